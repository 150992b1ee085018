package ui

// ANSI colours by class. Plain lines use nothing fancier so that they stay
// readable in CI logs that keep escape codes.
var classColours = [...]string{
	Working: "\x1b[34m",
	Good:    "\x1b[32m",
	Idle:    "",
	Warn:    "\x1b[33m",
	Bad:     "\x1b[31m",
}

const resetColour = "\x1b[0m"

// paint wraps s in the colour of c when colour is on.
func paint(on bool, c Class, s string) string {
	if !on || classColours[c] == "" {
		return s
	}
	return classColours[c] + s + resetColour
}

// Bold is used for headings of tables when colour is on.
func bold(on bool, s string) string {
	if !on {
		return s
	}
	return "\x1b[1m" + s + resetColour
}

// Paint colours s as its class when on: for commands that print their own
// tables and reports.
func Paint(on bool, c Class, s string) string { return paint(on, c, s) }
