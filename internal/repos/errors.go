package repos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	gittransport "github.com/go-git/go-git/v5/plumbing/transport"
)

// The causes a failed repo is reported with, the same for both backends;
// test a Result.Err against them with errors.Is.
var (
	ErrAuth           = errors.New("authentication required")
	ErrNoAgent        = errors.New("no SSH agent")
	ErrHostKey        = errors.New("host key not trusted")
	ErrNotFound       = errors.New("repository not found")
	ErrNoOrigin       = errors.New("no remote origin")
	ErrBranchNotFound = errors.New("remote branch not found")
	ErrUnreachable    = errors.New("cannot reach host")
	ErrNotRepo        = errors.New("not a git repository")
	ErrNoGit          = errors.New("git not installed")
	ErrLocalChanges   = errors.New("local changes in the way")
)

// localChanges is the cause of an update refused because it would
// overwrite local edits git status does not show (skip-worktree or
// assume-unchanged files).
func localChanges(files []string) error {
	return &cause{ErrLocalChanges, fmt.Sprintf("local changes to %s would be overwritten: these files are hidden from "+
		"git status (skip-worktree or assume-unchanged); commit or stash your changes to them, then run again", list(files))}
}

// cause is an error of one of the kinds above with the words for people:
// what went wrong and what to try.
type cause struct {
	kind error
	text string
}

func (c *cause) Error() string { return c.text }
func (c *cause) Unwrap() error { return c.kind }

// failure is the error of a failed repo: what was done to what, then why.
func failure(op, name, rawURL string, why error) error {
	return fmt.Errorf("%s %s (%s): %w", op, name, Redact(rawURL), why)
}

// explain maps a raw error of either backend onto a cause. Both backends end
// up here so that they fail with the same words; an error it does not know
// keeps git's own words, redacted, but never the raw error itself, whose text
// may hold a URL with a password.
func explain(err error, r Remote) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return &cause{context.Canceled, "cancelled"}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &cause{context.DeadlineExceeded, "timed out"}
	}
	var c *cause
	if errors.As(err, &c) {
		return c
	}
	msg := strings.ToLower(err.Error())
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(msg, s) {
				return true
			}
		}
		return false
	}
	via := transport(r.URL)
	switch {
	case has("would be overwritten by merge"):
		return localChanges(listedFiles(err))
	case errors.Is(err, exec.ErrNotFound):
		return &cause{ErrNoGit, "git not found on PATH: install git, or use the go-git backend (--git go-git)"}
	case errors.Is(err, gogit.NoMatchingRefSpecError{}) || errors.Is(err, plumbing.ErrReferenceNotFound) ||
		has("couldn't find remote ref", "not found in upstream"):
		return branchNotFound(r.Branch)
	case has("host key verification failed", "knownhosts:", "key mismatch"):
		return &cause{ErrHostKey, "host key not trusted: connect once with ssh to add it to ~/.ssh/known_hosts"}
	case errors.Is(err, gittransport.ErrAuthenticationRequired) || errors.Is(err, gittransport.ErrAuthorizationFailed) ||
		has("authentication failed", "could not read username", "could not read password",
			"terminal prompts disabled", "permission denied (publickey", "unable to authenticate",
			"authentication required", "authorization failed", "invalid username or password"):
		if via == "ssh" {
			return &cause{ErrAuth, "authentication required: check that ssh-add -l lists a key with access to the repo"}
		}
		return &cause{ErrAuth, "authentication required: check the URL and your git credential helper, or set " + EnvToken +
			" and list the host in " + EnvTokenHosts}
	case errors.Is(err, gogit.ErrRemoteNotFound) || has("'origin' does not appear to be a git repository"):
		return &cause{ErrNoOrigin, `no remote "origin": add it with git remote add origin URL`}
	case errors.Is(err, gittransport.ErrRepositoryNotFound) ||
		has("does not appear to be a git repository", "repository not found", "not exported",
			"no such repository", "not found: did you run git update-server-info", "could not be found") ||
		(has("repository '") && has("' not found")): // git over http: repository 'URL' not found
		return &cause{ErrNotFound, "repository not found: check the URL and your access to it"}
	case isNetError(err) ||
		has("unable to connect", "could not resolve", "couldn't connect", "failed to connect",
			"connection refused", "connection timed out", "no route to host", "network is unreachable",
			"name or service not known"):
		return &cause{ErrUnreachable, "cannot reach host: check the URL and your network/VPN"}
	}
	return errors.New(Redact(gist(err.Error())))
}

// listedFiles are the files git lists under a message, one per line,
// indented by a tab.
func listedFiles(err error) []string {
	var files []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if f, ok := strings.CutPrefix(l, "\t"); ok && f != "" {
			files = append(files, f)
		}
	}
	return files
}

func branchNotFound(branch string) error {
	return &cause{ErrBranchNotFound, fmt.Sprintf("remote branch %q not found: check \"branch\" in the manifest", branch)}
}

// isNetError tells a failure to reach the host in go-git, which returns the
// dialer's errors as they are.
func isNetError(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns)
}

// gist keeps the line of a multi-line git message that says what failed: the
// first "fatal: " or "error: " one, without that prefix, else the last one.
func gist(s string) string {
	var last string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		for _, p := range []string{"fatal: ", "error: "} {
			if rest, ok := strings.CutPrefix(l, p); ok {
				return rest
			}
		}
		last = l
	}
	return last
}
