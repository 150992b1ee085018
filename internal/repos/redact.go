package repos

import "github.com/crispify/crispify/internal/secret"

// Redact hides the credentials of every URL in s (secret.Redact): what
// crispify prints of a URL or of git's words.
func Redact(s string) string { return secret.Redact(s) }
