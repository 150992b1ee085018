package queues

import (
	"slices"
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	t0 := time.Unix(1000, 0)
	type step struct {
		after   time.Duration
		ready   int
		cons    int
		workers []string // consumer workers attributed
		sick    bool
		reason  string
		blame   []string
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"consumed and empty", []step{{0, 0, 1, []string{"payments"}, false, "", nil}, {2 * time.Second, 0, 1, []string{"payments"}, false, "", nil}}},
		{"a consumer gone, messages wait: the one seen before is named", []step{
			{0, 3, 1, []string{"payments"}, false, "", nil},
			{2 * time.Second, 1204, 0, nil, true, "orders-to-pay 1,204 ready, 0 consumers: payments is not consuming", []string{"payments"}},
		}},
		{"never consumed: the broker's row", []step{{0, 5, 0, nil, true, "orders-to-pay 5 ready, 0 consumers: no worker consumes it", nil}}},
		{"no consumer, nothing waits", []step{{0, 0, 0, nil, false, "", nil}}},
		{"grows for a minute with its consumer", []step{
			{0, 10, 1, []string{"payments"}, false, "", nil},
			{30 * time.Second, 40, 1, []string{"payments"}, false, "", nil},
			{60 * time.Second, 70, 1, []string{"payments"}, true, "orders-to-pay 70 ready, up 60 in 1m0s, 1 consumer: payments does not keep up", []string{"payments"}},
		}},
		{"a fall starts the minute again", []step{
			{0, 10, 1, []string{"payments"}, false, "", nil},
			{30 * time.Second, 40, 1, []string{"payments"}, false, "", nil},
			{40 * time.Second, 20, 1, []string{"payments"}, false, "", nil},
			{60 * time.Second, 70, 1, []string{"payments"}, false, "", nil},
			{100 * time.Second, 90, 1, []string{"payments"}, true, "orders-to-pay 90 ready, up 70 in 1m0s, 1 consumer: payments does not keep up", []string{"payments"}},
		}},
		{"steady, not growing", []step{
			{0, 10, 1, []string{"payments"}, false, "", nil},
			{90 * time.Second, 10, 1, []string{"payments"}, false, "", nil},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var j Judge
			for i, st := range tc.steps {
				q := Queue{Name: "orders-to-pay", Vhost: "/", Ready: st.ready, Consumers: st.cons}
				v := j.Judge(Sample{At: t0.Add(st.after), Queues: []Queue{q}}, map[Key][]string{KeyOf(q): st.workers})[KeyOf(q)]
				if v.Sick != st.sick || v.Reason != st.reason || !slices.Equal(v.Blame, st.blame) {
					t.Errorf("step %d: %+v, want sick %v %q blame %v", i, v, st.sick, st.reason, st.blame)
				}
			}
		})
	}
}

func TestJudgeForgets(t *testing.T) {
	var j Judge
	q := Queue{Name: "q", Ready: 1, Consumers: 1}
	j.Judge(Sample{At: time.Unix(1, 0), Queues: []Queue{q}}, map[Key][]string{KeyOf(q): {"w"}})
	j.Judge(Sample{At: time.Unix(3, 0)}, nil)
	if len(j.seen) != 0 {
		t.Errorf("a queue gone is remembered: %v", j.seen)
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1204: "1,204", 1234567: "1,234,567", -1204: "-1,204"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
