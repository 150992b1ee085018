package manifest

// DataMode is infra.NAME.data: whether the infra's named volumes fork with
// the data branch (crispify switch) or are one copy for every branch.
type DataMode string

// The data modes. The empty mode, the key left out, is DataBranch.
const (
	DataBranch DataMode = "branch"
	DataShared DataMode = "shared"
)

// SharedData reports whether the infra keeps one copy of its volumes across
// data branches (data: shared).
func (in *Infra) SharedData() bool { return in.Data == DataShared }

func checkData(l *loader, m *Manifest) {
	for _, name := range m.InfraNames() {
		p := join("infra", name) + ".data"
		switch d := m.Infra[name].Data; {
		case l.bad[p], d == DataBranch, d == DataShared, d == "" && !l.has(p):
		default:
			l.add(l.at(p), "%s: %q is not one of branch, shared", p, d)
		}
	}
}
