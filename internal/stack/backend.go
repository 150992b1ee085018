package stack

import "github.com/crispify/crispify/internal/repos"

// DefaultGitBackend is the git backend of --git by default.
const DefaultGitBackend = repos.DefaultBackend
