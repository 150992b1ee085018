package tui

import (
	"fmt"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/ui"
)

// figures are a row's latest load: CPU in percent of one core, memory in
// bytes. A row shows them only while its item runs.
type figures struct {
	cpu    float64
	memory uint64
}

// machineLoad is the header's: the rows' totals and the free memory.
type machineLoad struct {
	figures
	free    uint64
	hasFree bool
}

// applyLoad keeps a load event's figures on its row, or in the header. A
// load event makes no row: figures of an item the board does not show are
// left out.
func (m *model) applyLoad(e event.Event) {
	if e.CPU == nil || e.Memory == nil {
		return
	}
	f := figures{cpu: *e.CPU, memory: *e.Memory}
	if e.Item == event.Machine {
		m.machine = &machineLoad{figures: f}
		if e.Free != nil {
			m.machine.free, m.machine.hasFree = *e.Free, true
		}
		return
	}
	if it := m.items[itemKey{e.Item, e.Name}]; it != nil {
		it.load = &f
	}
}

// loadText is a running row's figures: "12% 140M"; "" when it has none.
func (it *item) loadText() string {
	if it.load == nil || it.phase == "" || isDown(it.phase) {
		return ""
	}
	return ui.FormatLoad(it.load.cpu, it.load.memory)
}

// machineText is the header's: "cpu 37% · mem 1.2G · 3.4G free".
func (m *model) machineText() string {
	if m.machine == nil {
		return ""
	}
	s := fmt.Sprintf("cpu %s · mem %s", ui.Percent(m.machine.cpu), ui.Size(m.machine.memory))
	if m.machine.hasFree {
		s += fmt.Sprintf(" · %s free", ui.Size(m.machine.free))
	}
	return s
}
