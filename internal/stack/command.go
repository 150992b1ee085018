package stack

import "github.com/crispify/crispify/internal/event"

// command runs one command's work between the stack's own events: started
// (saying what it does), then done, or failed with the error, carrying the
// counts of what settled. Every renderer reads the same ends, and the
// command gets back what settled, for its summary table.
func command(sink event.Sink, started string, work func(event.Sink) (summary string, err error)) (Result, error) {
	tally := event.NewTally(sink)
	tally.Emit(event.Event{Kind: event.Stack, Phase: event.Started, Msg: started})
	summary, err := work(tally)
	end := event.Event{Kind: event.Stack, Phase: event.Done, Counts: tally.Counts(), Msg: summary}
	if err != nil {
		end.Phase, end.Error = event.Failed, err.Error()
	}
	tally.Emit(end)
	return Result{Settled: tally.Settled(), Counts: end.Counts}, err
}
