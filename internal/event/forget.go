package event

import "slices"

// Forget drops an item's state: a board that attaches later is not told
// of it. For items that come and go for good (a queue deleted), whose
// last event, said to the subscribers of now, would otherwise stay in the
// hub for the stack's life.
func (h *Hub) Forget(kind Kind, name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := itemKey{kind, name}
	if _, ok := h.state[k]; !ok {
		return
	}
	delete(h.state, k)
	h.order = slices.DeleteFunc(h.order, func(x itemKey) bool { return x == k })
}
