package workers

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// A cgroup holds every process descended from one worker process: a child
// inherits its parent's cgroup and no setsid, double fork or reparenting
// takes it out, so its member list is the worker's whole family. Made
// under crispify's own cgroup, where the system lets it: a cgroup v2 tree
// (delegated to the user, or any as root), else a cgroup v1 hierarchy as
// root. Only membership is used: no controller, no limit.
type cgroup struct {
	dir string
	// v1: a cgroup v1 hierarchy, which has neither cgroup.kill nor
	// cgroup.events, and where a process is placed through the thread that
	// forks it (see enter).
	v1 bool
}

type cgroupVersion int

const (
	cgroupV2 cgroupVersion = iota
	cgroupV1
)

// cgroupHome is the folder of crispify's own cgroup, in which it makes one
// cgroup per worker process.
type cgroupHome struct {
	dir string
	v1  bool
}

// findCgroupHome finds this process's own cgroup in the hierarchy of the
// given version and checks that it may make cgroups in it and move
// processes into them. Of cgroup v1, the pids hierarchy is used (else the
// freezer's), never systemd's own.
func findCgroupHome(version cgroupVersion) (cgroupHome, bool) {
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return cgroupHome{}, false
	}
	own, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return cgroupHome{}, false
	}
	var candidates []string
	if version == cgroupV2 {
		candidates = []string{""}
	} else {
		candidates = []string{"pids", "freezer"}
	}
	for _, controller := range candidates {
		dir, ok := cgroupDirOf(string(mounts), string(own), version, controller)
		if !ok {
			continue
		}
		if home := (cgroupHome{dir: dir, v1: version == cgroupV1}); home.usable() {
			return home, true
		}
	}
	return cgroupHome{}, false
}

// cgroupDirOf is the folder of this process's cgroup in the hierarchy,
// from mountinfo and /proc/self/cgroup (own): where the hierarchy is
// mounted, and its path there.
func cgroupDirOf(mountinfo, own string, version cgroupVersion, controller string) (string, bool) {
	mount, root, ok := cgroupMount(mountinfo, version, controller)
	if !ok {
		return "", false
	}
	path, ok := ownCgroup(own, version, controller)
	if !ok {
		return "", false
	}
	rel, err := filepath.Rel(root, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", false // our cgroup is outside what is mounted (another namespace)
	}
	return filepath.Join(mount, rel), true
}

// cgroupMount finds in mountinfo where the hierarchy is mounted, and which
// of its cgroups is the mount's root.
func cgroupMount(mountinfo string, version cgroupVersion, controller string) (mount, root string, ok bool) {
	for _, line := range strings.Split(mountinfo, "\n") {
		// id parent major:minor root mountpoint options... - fstype source superoptions
		fields := strings.Fields(line)
		sep := -1
		for i, f := range fields {
			if f == "-" {
				sep = i
				break
			}
		}
		if sep < 5 || sep+3 > len(fields) {
			continue
		}
		fstype, super := fields[sep+1], fields[sep+3]
		switch {
		case version == cgroupV2 && fstype == "cgroup2":
		case version == cgroupV1 && fstype == "cgroup" && hasOption(super, controller):
		default:
			continue
		}
		return unescapeMount(fields[4]), unescapeMount(fields[3]), true
	}
	return "", "", false
}

func hasOption(options, want string) bool {
	for _, o := range strings.Split(options, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ownCgroup finds in /proc/self/cgroup this process's cgroup in the
// hierarchy.
func ownCgroup(text string, version cgroupVersion, controller string) (string, bool) {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		// hierarchy-id:controllers:path
		id, rest, _ := strings.Cut(sc.Text(), ":")
		controllers, path, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		if version == cgroupV2 && id == "0" && controllers == "" {
			return path, true
		}
		if version == cgroupV1 && hasOption(controllers, controller) {
			return path, true
		}
	}
	return "", false
}

// usable reports whether crispify may make a cgroup here and move a
// process into it: the folder writable, and the file a move writes to.
func (h cgroupHome) usable() bool {
	moveFile := "cgroup.procs"
	if h.v1 {
		moveFile = "tasks"
	}
	if unix.Access(filepath.Join(h.dir, moveFile), unix.W_OK) != nil {
		return false
	}
	c, err := h.make("probe")
	if err != nil {
		return false
	}
	ok := unix.Access(filepath.Join(c.dir, moveFile), unix.W_OK) == nil
	return c.remove() == nil && ok
}

// make makes a new, empty cgroup for a process of the worker of name.
func (h cgroupHome) make(name string) (*cgroup, error) {
	for range 3 {
		var b [4]byte
		rand.Read(b[:])
		dir := filepath.Join(h.dir, fmt.Sprintf("crispify-%s-%d-%s", cgroupSafe(name), os.Getpid(), hex.EncodeToString(b[:])))
		err := os.Mkdir(dir, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("make cgroup %s: %w", dir, err)
		}
		return &cgroup{dir: dir, v1: h.v1}, nil
	}
	return nil, fmt.Errorf("make a cgroup in %s: every name tried exists", h.dir)
}

// cgroupSafe keeps a worker's name readable in a cgroup's, without what a
// file name may not hold.
func cgroupSafe(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == 0 || r == '\n' || r == ' ' {
			return '_'
		}
		return r
	}, name)
}

// openCgroup is the cgroup at dir that a state file or the watchdog names,
// when it is one (a folder of a cgroup file system): nil otherwise, so that
// a state file edited by hand cannot make crispify write elsewhere.
func openCgroup(dir string) *cgroup {
	if dir == "" || !filepath.IsAbs(dir) {
		return nil
	}
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil {
		return nil
	}
	switch st.Type {
	case unix.CGROUP2_SUPER_MAGIC:
		return &cgroup{dir: dir}
	case unix.CGROUP_SUPER_MAGIC:
		return &cgroup{dir: dir, v1: true}
	}
	return nil
}

// enter makes cmd start inside the cgroup. On cgroup v2 the kernel places
// the child at its birth (clone3 with CLONE_INTO_CGROUP): there is no
// moment when it runs outside. On v1, the forking thread (locked to its
// goroutine by the caller) moves in before the fork, so that the child is
// born inside too; leave moves it back, and says false when it could not,
// for the caller to retire the thread rather than let Go run other
// goroutines on it.
func (c *cgroup) enter(attr *syscall.SysProcAttr) (leave func() bool, err error) {
	if !c.v1 {
		fd, err := unix.Open(c.dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("open cgroup %s: %w", c.dir, err)
		}
		attr.UseCgroupFD, attr.CgroupFD = true, fd
		return func() bool { unix.Close(fd); return true }, nil
	}
	home := filepath.Dir(c.dir)
	tid := strconv.Itoa(unix.Gettid())
	if err := os.WriteFile(filepath.Join(c.dir, "tasks"), []byte(tid), 0); err != nil {
		return nil, fmt.Errorf("enter cgroup %s: %w", c.dir, err)
	}
	return func() bool {
		return os.WriteFile(filepath.Join(home, "tasks"), []byte(tid), 0) == nil
	}, nil
}

// members lists the pids in the cgroup; never crispify's own, which a v1
// thread briefly in it would make appear.
func (c *cgroup) members() []int {
	b, err := os.ReadFile(filepath.Join(c.dir, "cgroup.procs"))
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != self {
			out = append(out, pid)
		}
	}
	return out
}

// signal sends sig to every process in the cgroup.
func (c *cgroup) signal(sig unix.Signal) error {
	var errs []error
	for _, pid := range c.members() {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("signal process %d of cgroup %s with %v: %w", pid, c.dir, sig, err))
		}
	}
	return errors.Join(errs...)
}

// kill ends every process in the cgroup: at once through cgroup.kill
// (Linux 5.14), which no fork can race; else by SIGKILL to each member,
// again until none is left or a few rounds passed (the stop's polling
// goes on from there).
func (c *cgroup) kill() error {
	if !c.v1 {
		err := os.WriteFile(filepath.Join(c.dir, "cgroup.kill"), []byte("1"), 0)
		if err == nil || errors.Is(err, fs.ErrNotExist) && c.gone() {
			return nil
		}
	}
	var err error
	for range 10 {
		if err = c.signal(unix.SIGKILL); err != nil || len(c.members()) == 0 {
			break
		}
	}
	return err
}

// empty reports whether no live process is left in the cgroup (zombies
// leave their cgroup as they exit). A cgroup that no longer exists is empty.
func (c *cgroup) empty() bool {
	if !c.v1 {
		b, err := os.ReadFile(filepath.Join(c.dir, "cgroup.events"))
		if err == nil {
			return strings.Contains(string(b), "populated 0")
		}
	}
	return len(c.members()) == 0
}

// gone reports whether the cgroup's folder is gone.
func (c *cgroup) gone() bool {
	_, err := os.Stat(c.dir)
	return errors.Is(err, fs.ErrNotExist)
}

// remove deletes the cgroup, which must be empty: the kernel refuses
// (EBUSY) while a process is in it, so a folder never goes with a process.
func (c *cgroup) remove() error {
	err := unix.Rmdir(c.dir)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	return fmt.Errorf("remove cgroup %s: %w", c.dir, err)
}
