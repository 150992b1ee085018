package repos

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/trace"
)

// cliGit is the Backend that runs the git command.
type cliGit struct{ bin string }

// NewCLI returns the backend that runs the git found on PATH.
func NewCLI() Backend { return cliGit{bin: "git"} }

func (cliGit) Name() string { return CLI }

func (g cliGit) Clone(ctx context.Context, dir string, r Remote, progress func(string)) error {
	// --origin: a user's clone.defaultRemoteName must not rename the remote
	// that updates fetch from.
	args := []string{"clone", "--progress", "--origin", "origin"}
	if r.Branch != "" {
		args = append(args, "--branch", r.Branch)
	}
	// "--" keeps a URL that starts with a dash from being read as an option.
	args = append(args, "--", r.URL, dir)
	_, err := g.run(ctx, call{remote: &r, progress: progress}, args...)
	return err
}

func (g cliGit) Fetch(ctx context.Context, dir string, r Remote, progress func(string)) (string, error) {
	ref := "refs/remotes/origin/" + r.Branch
	// Automatic maintenance is left to the user's own git: it would cost a
	// process per repo, and a gc in the middle of forty fetches.
	c := call{dir: dir, remote: &r, progress: progress, config: []string{"maintenance.auto", "false"}}
	if _, err := g.run(ctx, c, "fetch", "--progress", "origin", "+refs/heads/"+r.Branch+":"+ref); err != nil {
		return "", err
	}
	out, err := g.run(ctx, call{dir: dir}, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	return strings.TrimSpace(string(out)), err
}

func (g cliGit) Inspect(ctx context.Context, dir string) (Local, error) {
	out, err := g.run(ctx, call{dir: dir}, "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=no")
	if err != nil {
		return Local{}, err
	}
	return parseStatus(out), nil
}

// parseStatus reads `git status --porcelain=v2 --branch -z`.
func parseStatus(out []byte) Local {
	var l Local
	entries := strings.Split(string(out), "\x00")
	for i := 0; i < len(entries); i++ {
		e := entries[i]
		switch {
		case strings.HasPrefix(e, "# branch.oid "):
			if oid := strings.TrimPrefix(e, "# branch.oid "); oid != "(initial)" {
				l.Head = oid
			}
		case strings.HasPrefix(e, "# branch.head "):
			if head := strings.TrimPrefix(e, "# branch.head "); head != "(detached)" {
				l.Branch = head
			}
		case strings.HasPrefix(e, "1 "):
			l.Dirty = appendField(l.Dirty, e, 8)
		case strings.HasPrefix(e, "2 "):
			l.Dirty = appendField(l.Dirty, e, 9)
			i++ // a rename is followed by the path it had
		case strings.HasPrefix(e, "u "):
			l.Dirty = appendField(l.Dirty, e, 10)
		}
	}
	return l
}

// appendField appends the rest of e after n space-separated fields: the path,
// which may itself hold spaces.
func appendField(paths []string, e string, n int) []string {
	if f := strings.SplitN(e, " ", n+1); len(f) == n+1 {
		return append(paths, f[n])
	}
	return paths
}

func (g cliGit) Count(ctx context.Context, dir, a, b string) (int, int, error) {
	out, err := g.run(ctx, call{dir: dir}, "rev-list", "--left-right", "--count", a+"..."+b)
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("git rev-list: unexpected output %q", out)
	}
	onlyA, errA := strconv.Atoi(f[0])
	onlyB, errB := strconv.Atoi(f[1])
	return onlyA, onlyB, errors.Join(errA, errB)
}

func (g cliGit) Changes(ctx context.Context, dir, from, to string) (added, removed []string, err error) {
	out, err := g.run(ctx, call{dir: dir}, "diff-tree", "-r", "-z", "--no-renames", "--name-status", from, to)
	if err != nil {
		return nil, nil, err
	}
	f := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i+1 < len(f); i += 2 {
		switch f[i] {
		case "A":
			added = append(added, f[i+1])
		case "D":
			removed = append(removed, f[i+1])
		}
	}
	return added, removed, nil
}

func (g cliGit) FastForward(ctx context.Context, dir, _, to string) error {
	// merge --ff-only refuses anything but a fast-forward of HEAD, wherever
	// it is, and never overwrites a local change; autostash is off in case
	// the user's config turns it on, since a stash is exactly what must not
	// happen.
	_, err := g.run(ctx, call{dir: dir, config: []string{"merge.autoStash", "false"}},
		"merge", "--ff-only", "--quiet", to)
	return err
}

// call is how one git command is run.
type call struct {
	dir      string
	remote   *Remote  // set for commands that reach a remote: credentials, ssh options
	config   []string // key, value, ...: settings for this command only
	progress func(string)
}

// run runs git and returns its stdout. Its stdin is /dev/null (exec's
// default for a nil Stdin), so that nothing can ever wait on a terminal.
func (g cliGit) run(ctx context.Context, c call, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, g.bin, args...)
	cmd.Dir = c.dir
	extra := g.extraEnv(ctx, c)
	cmd.Env = append(os.Environ(), extra...)
	trace.From(ctx).Command(c.dir, cmd.Args, extra)
	var stdout bytes.Buffer
	se := &errOutput{progress: c.progress}
	w := &lines{fn: se.line}
	cmd.Stdout, cmd.Stderr = &stdout, w
	// A helper git left behind (a remote helper holding stderr) must not
	// keep a cancelled run waiting.
	cmd.WaitDelay = 2 * time.Second
	killGroup(cmd)
	err := cmd.Run()
	w.flush()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return stdout.Bytes(), &gitError{cmd: args[0], stderr: se.tail, err: err}
	}
	return stdout.Bytes(), nil
}

// env is the environment of a git command: the user's, made to never prompt
// and to speak English (errors are recognised by their words), plus the
// command's settings passed as GIT_CONFIG_* so that a secret is in neither
// the command line nor .git/config.
func (g cliGit) env(ctx context.Context, c call) []string {
	return append(os.Environ(), g.extraEnv(ctx, c)...)
}

// extraEnv is what env adds to the user's environment.
func (g cliGit) extraEnv(ctx context.Context, c call) []string {
	env := []string{
		"GIT_TERMINAL_PROMPT=0",
		// An empty GIT_ASKPASS also stops git from trying core.askPass and
		// SSH_ASKPASS, which may open a dialog nobody sees.
		"GIT_ASKPASS=", "SSH_ASKPASS=",
		"GCM_INTERACTIVE=never", // Git Credential Manager
		"GIT_OPTIONAL_LOCKS=0",  // status must not rewrite the index of a repo it only looks at
		"LC_ALL=C",
	}
	config := c.config
	if c.remote != nil {
		// Scoped to the manifest's server, the header reaches origin only
		// if origin is still there: the rule originRemote keeps for go-git.
		config = append(config, authConfig(*c.remote)...)
		if transport(c.remote.URL) == "ssh" {
			if ssh := g.sshCommand(ctx, c.dir); ssh != "" {
				env = append(env, "GIT_SSH_COMMAND="+ssh+" -o BatchMode=yes")
			}
		}
	}
	if len(config) == 0 {
		return env
	}
	// Settings the user passes the same way are kept: ours come after.
	n, _ := strconv.Atoi(os.Getenv("GIT_CONFIG_COUNT"))
	for i := 0; i+1 < len(config); i += 2 {
		env = append(env,
			fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", n, config[i]),
			fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", n, config[i+1]))
		n++
	}
	return append(env, "GIT_CONFIG_COUNT="+strconv.Itoa(n))
}

// authConfig sends the credentials of an http(s) remote as a header, scoped
// to that server (git matches http.<url>.* against the URL it fetches) so
// that no other host ever receives them.
func authConfig(r Remote) []string {
	if r.User == "" && r.Password == "" {
		return nil
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	basic := base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))
	return []string{
		"http." + u.Scheme + "://" + u.Host + "/.extraHeader",
		"Authorization: Basic " + basic,
	}
}

// sshCommand is the ssh the user has git run, to which BatchMode is added;
// empty when GIT_SSH names a program that may not take ssh's options.
func (g cliGit) sshCommand(ctx context.Context, dir string) string {
	if s := os.Getenv("GIT_SSH_COMMAND"); s != "" {
		return s
	}
	cmd := exec.CommandContext(ctx, g.bin, "config", "--get", "core.sshCommand")
	cmd.Dir = dir
	if out, err := cmd.Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
		return string(bytes.TrimSpace(out))
	}
	if os.Getenv("GIT_SSH") != "" {
		return ""
	}
	return "ssh"
}

// errOutput sorts what git prints on stderr: progress goes on, the rest is
// kept (the last lines only) to explain a failure.
type errOutput struct {
	progress func(string)
	tail     []string
}

func (s *errOutput) line(l string) {
	if _, ok := parseProgress(l); ok {
		if s.progress != nil {
			s.progress(l)
		}
		return
	}
	if s.tail = append(s.tail, l); len(s.tail) > 20 {
		s.tail = s.tail[1:]
	}
}

// gitError is a git command that failed, with what it said.
type gitError struct {
	cmd    string
	stderr []string
	err    error
}

func (e *gitError) Error() string {
	return "git " + e.cmd + ": " + e.err.Error() + "\n" + strings.Join(e.stderr, "\n")
}

// Unwrap lets explain recognise a git that could not be started.
func (e *gitError) Unwrap() error { return e.err }
