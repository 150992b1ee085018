// Command decrispify tears the stack down: `crispify down` by another name,
// for the moment before a branch switch.
package main

import (
	"os"

	"github.com/crispify/crispify/internal/cli"
)

func main() {
	os.Exit(cli.Main("decrispify", os.Args[1:]))
}
