package repos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	gittransport "github.com/go-git/go-git/v5/plumbing/transport"
)

// TestExplain maps what each backend says onto the causes: git's words
// (as the CLI backend gets them on stderr) and go-git's errors.
func TestExplain(t *testing.T) {
	cli := func(stderr string) error {
		return &gitError{cmd: "clone", stderr: strings.Split(stderr, "\n"), err: errors.New("exit status 128")}
	}
	const https, ssh = "https://host/x.git", "git@host:x.git"
	for _, c := range []struct {
		name string
		err  error
		url  string
		want error // nil: not recognised
		text string
	}{
		{"cli prompt disabled", cli("fatal: could not read Username for 'https://host': terminal prompts disabled"), https,
			ErrAuth, "authentication required: check the URL and your git credential helper, or set CRISPIFY_GIT_TOKEN and list the host in CRISPIFY_GIT_TOKEN_HOSTS"},
		{"cli auth failed", cli("remote: HTTP Basic: Access denied\nfatal: Authentication failed for 'https://host/x.git/'"), https,
			ErrAuth, "authentication required: check the URL and your git credential helper, or set CRISPIFY_GIT_TOKEN and list the host in CRISPIFY_GIT_TOKEN_HOSTS"},
		{"cli ssh key refused", cli("git@host: Permission denied (publickey).\nfatal: Could not read from remote repository."), ssh,
			ErrAuth, "authentication required: check that ssh-add -l lists a key with access to the repo"},
		{"cli host key", cli("Host key verification failed.\nfatal: Could not read from remote repository."), ssh,
			ErrHostKey, "host key not trusted: connect once with ssh to add it to ~/.ssh/known_hosts"},
		{"cli ssh no host", cli("ssh: Could not resolve hostname nohost: Name or service not known\nfatal: Could not read from remote repository."), ssh,
			ErrUnreachable, "cannot reach host: check the URL and your network/VPN"},
		{"cli git refused", cli("fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused"), "git://127.0.0.1:1/x",
			ErrUnreachable, "cannot reach host: check the URL and your network/VPN"},
		{"cli http 404", cli("fatal: repository 'https://host/x.git/' not found"), https,
			ErrNotFound, "repository not found: check the URL and your access to it"},
		{"cli gitlab", cli("remote: The project you were looking for could not be found or you don't have permission to view it.\nfatal: repository 'https://host/x.git/' not found"), https,
			ErrNotFound, "repository not found: check the URL and your access to it"},
		{"cli github ssh", cli("ERROR: Repository not found.\nfatal: Could not read from remote repository."), ssh,
			ErrNotFound, "repository not found: check the URL and your access to it"},
		{"cli clone branch", cli("warning: Could not find remote branch main to clone.\nfatal: Remote branch main not found in upstream origin"), https,
			ErrBranchNotFound, `remote branch "main" not found: check "branch" in the manifest`},
		{"cli fetch branch", cli("fatal: couldn't find remote ref refs/heads/main"), https,
			ErrBranchNotFound, `remote branch "main" not found: check "branch" in the manifest`},
		{"cli no origin", cli("fatal: 'origin' does not appear to be a git repository\nfatal: Could not read from remote repository."), https,
			ErrNoOrigin, `no remote "origin": add it with git remote add origin URL`},
		{"cli other", cli("Cloning into 'x'...\nfatal: unable to access 'https://bob:pw@host/x.git/': SSL certificate problem: self-signed certificate"), https,
			nil, "unable to access 'https://bob:***@host/x.git/': SSL certificate problem: self-signed certificate"},

		{"go-git auth", gittransport.ErrAuthenticationRequired, https,
			ErrAuth, "authentication required: check the URL and your git credential helper, or set CRISPIFY_GIT_TOKEN and list the host in CRISPIFY_GIT_TOKEN_HOSTS"},
		{"go-git authz", gittransport.ErrAuthorizationFailed, https, ErrAuth, ""},
		{"go-git ssh auth", errors.New("ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain"), ssh,
			ErrAuth, "authentication required: check that ssh-add -l lists a key with access to the repo"},
		{"go-git known hosts", errors.New("ssh: handshake failed: knownhosts: key is unknown"), ssh, ErrHostKey, ""},
		{"go-git not found", gittransport.ErrRepositoryNotFound, https, ErrNotFound, ""},
		{"go-git branch", fmt.Errorf("fetch: %w", gogit.NoMatchingRefSpecError{}), https, ErrBranchNotFound, ""},
		{"go-git reference", plumbing.ErrReferenceNotFound, https, ErrBranchNotFound, ""},
		{"go-git dial", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, "git://h/x",
			ErrUnreachable, "cannot reach host: check the URL and your network/VPN"},
		{"go-git dns", fmt.Errorf("get: %w", &net.DNSError{Err: "no such host", Name: "nohost"}), https, ErrUnreachable, ""},
		{"go-git no origin", gogit.ErrRemoteNotFound, https, ErrNoOrigin, ""},
		{"no agent", &cause{ErrNoAgent, "ssh: no SSH agent (SSH_AUTH_SOCK unset): start one and ssh-add your key"}, ssh,
			ErrNoAgent, "ssh: no SSH agent (SSH_AUTH_SOCK unset): start one and ssh-add your key"},
		{"cancelled", fmt.Errorf("clone: %w", context.Canceled), https, context.Canceled, "cancelled"},
		{"no git", &gitError{cmd: "clone", err: &exec.Error{Name: "git", Err: exec.ErrNotFound}}, https,
			ErrNoGit, "git not found on PATH: install git, or use the go-git backend (--git go-git)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := explain(c.err, Remote{URL: c.url, Branch: "main"})
			if c.want != nil && !errors.Is(got, c.want) {
				t.Errorf("explain = %q, want a %v", got, c.want)
			}
			if c.want == nil && isCause(got) {
				t.Errorf("explain = %q, recognised as a cause", got)
			}
			if c.text != "" && got.Error() != c.text {
				t.Errorf("explain = %q\nwant %q", got, c.text)
			}
		})
	}
}

func isCause(err error) bool {
	for _, kind := range []error{ErrAuth, ErrNoAgent, ErrHostKey, ErrNotFound, ErrNoOrigin, ErrBranchNotFound, ErrUnreachable, ErrNotRepo, ErrNoGit} {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}

func TestFailureMessage(t *testing.T) {
	err := failure("clone", "api", "https://bob:secret@host/api.git",
		explain(gittransport.ErrAuthenticationRequired, Remote{URL: "https://host/api.git"}))
	want := "clone api (https://bob:***@host/api.git): authentication required: check the URL and your git credential helper, or set CRISPIFY_GIT_TOKEN and list the host in CRISPIFY_GIT_TOKEN_HOSTS"
	if err.Error() != want || !errors.Is(err, ErrAuth) {
		t.Errorf("failure = %q\nwant %q", err, want)
	}
}

func TestBackendByName(t *testing.T) {
	for _, name := range BackendNames() {
		b, err := BackendByName(name)
		if err != nil || b.Name() != name {
			t.Errorf("BackendByName(%q) = %v, %v", name, b, err)
		}
	}
	if _, err := BackendByName(DefaultBackend); err != nil {
		t.Errorf("default backend: %v", err)
	}
	_, err := BackendByName("libgit2")
	if err == nil || !strings.Contains(err.Error(), `"libgit2"`) || !strings.Contains(err.Error(), "go-git, cli") {
		t.Errorf("BackendByName(libgit2) error = %v, want it to name the valid backends", err)
	}
}
