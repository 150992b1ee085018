// Command crispify runs the whole product on a developer's laptop.
package main

import (
	"os"

	"github.com/crispify/crispify/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[0], os.Args[1:]))
}
