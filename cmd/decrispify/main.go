// Command decrispify tears the stack down: `crispify down` by another name,
// for the moment before a branch switch.
package main

import (
	"os"
	"path/filepath"

	"github.com/crispify/crispify/internal/cli"
)

func main() {
	// Called by another name (a link), it is still decrispify; by a path,
	// its hints name that path's folder.
	os.Exit(cli.Main(filepath.Join(filepath.Dir(os.Args[0]), "decrispify"), os.Args[1:]))
}
