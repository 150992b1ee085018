package event

// Data is the kind of an infra's data changing hands: a volume copied to a
// new branch, swapped, saved to a snapshot or restored from one. Name is the
// infra; Volume says which volume and how far the bytes are.
const Data Kind = "data"

// Data phases.
const (
	Copying  Phase = "copying" // bytes move; Progress and Volume.Done grow
	Copied   Phase = "copied"  // a branch's volume has all its data
	Swapped  Phase = "swapped" // the infra now mounts another branch's volumes
	Saved    Phase = "saved"   // a snapshot holds a copy
	Restored Phase = "restored"
)

// Volume is the volume a data event is about, with the bytes done of the
// total. Every field is always in its JSON, zero included (docs/design.md:
// a field a script reads is always present); Total is 0 when the engine
// could not say the size beforehand.
type Volume struct {
	// Name is the Docker volume written to: the branch's or snapshot's copy.
	Name string `json:"name"`
	// Branch is the data branch the volume belongs to; Snapshot the
	// snapshot it is saved in or restored from, "" when none.
	Branch   string `json:"branch"`
	Snapshot string `json:"snapshot"`
	Done     int64  `json:"done"`
	Total    int64  `json:"total"`
}
