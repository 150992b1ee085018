package ui

import "fmt"

// FormatLoad says what a row costs as top would: "97% 140M", "4.2% 1.5G".
func FormatLoad(cpu float64, memory uint64) string {
	return Percent(cpu) + " " + Size(memory)
}

// Percent is a CPU figure: one decimal under 10%, none above.
func Percent(cpu float64) string {
	if cpu < 10 && cpu > 0 {
		return fmt.Sprintf("%.1f%%", cpu)
	}
	return fmt.Sprintf("%.0f%%", cpu)
}

// Size is a memory figure in the units of top: 512K, 140M, 1.2G.
func Size(n uint64) string {
	const k = 1024
	switch {
	case n >= 10*k*k*k:
		return fmt.Sprintf("%.0fG", float64(n)/(k*k*k))
	case n >= k*k*k:
		return fmt.Sprintf("%.1fG", float64(n)/(k*k*k))
	case n >= k*k:
		return fmt.Sprintf("%.0fM", float64(n)/(k*k))
	}
	return fmt.Sprintf("%.0fK", float64(n)/k)
}
