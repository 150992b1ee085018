package docker_test

import (
	"testing"

	"github.com/crispify/crispify/internal/ssh/sshfake"
)

// The tests of an ssh:// engine run a fake ssh (package sshfake).
func TestMain(m *testing.M) { sshfake.Main(m) }
