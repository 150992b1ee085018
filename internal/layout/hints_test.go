package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// userFacing are the packages whose errors reach the user as they are
// written: the middle floor, the engine's outer packages and the CLI.
// The packages below them (manifest, repos, probe, watch, ...) say what
// went wrong in their own terms, and these wrap that with what to do.
var userFacing = []string{"internal/stack", "internal/docker", "internal/workers", "internal/cli"}

// tryWords are the words a hint starts from: what to run, check or change.
var tryWords = regexp.MustCompile(`(?i)\b(try|run|check|use|stop|start|remove|give|set|fix|install|free|move|commit|stash|push|rebase|pull|fetch|name|write|add|wait|ask|see|decrispify|crispify|kill|end|pick|choose|keep|make|unset|delete|rename|upgrade|build|restart|publish|clone|edit|open|point|read|put|narrow|leave|boot|did you mean|only)\b`)

// hintless are the error strings of userFacing packages that say nothing
// to try, each with why that is right: the test lists any other.
var hintless = map[string]string{
	"interrupted":                        "the exit code (130) says it; nothing to try",
	"not found":                          "docker.ErrNotFound, a sentinel callers test for and wrap",
	"copy ended":                         "the reader's side of a copy that already failed; the failure is the error",
	"too many files to size":             "an inner sentinel: the size stays unknown, nothing fails",
	"copy data from branch %s to itself": "a caller's mistake the switch never makes (its plan leaves equal branches alone)",
	"%s; nothing was created:\n  %s":     "the lines it joins each say what to do",
	"SAVE answered %q":                   "wrapped by Quiesce, which says what it was doing to which infra",
	"%s":                                 "the engine's own message, passed on",
	"a line of more than %d MiB":         "wrapped as a SupervisorError that names the pid and what to do",
	"plan: %s needs %s, which is not in the plan":                                         "a bug of crispify's, not the user's: nothing to try",
	"plan: dependency cycle: %s -> %s":                                                    "validation refuses cycles first; here it is a bug of crispify's",
	"the background supervisor exited before it was up (%s); its log, %s, ends with:\n%s": "the log's last lines say what went wrong",
	"switch to %s: nothing was changed: %d of %d repos cannot switch:\n%s":                "each line it lists says what to do",
	"signal process group %d: refusing a group id below 2":                                "a guard against a bug of crispify's: never the user's",
	"the repo has over %d files and folders to look through":                              "wrapped by the setup, which says to narrow setup_when",
	"it is %d MB, over the %d MB a setup_when file may be":                                "wrapped with the file's name; the setup's error says to narrow setup_when",
	"it grew past the %d MB a setup_when file may be":                                     "as the one above",
	"%s still there %v after SIGKILL":                                                     "wrapped by the stop, which names the worker",
	"become a child subreaper":                                                            "wrapped by the supervisor's start with the system's error",
	"stopped before it was ready":                                                         "a worker stopped on purpose (stop, down): said, not failed",
	"project %s has no infra, so no data":                                                 "nothing to do: there is no data to save",
	"%s exited with code %d: %s":                                                          "a command run in a container (rabbitmqctl): its own last lines say why, and its caller what it was for",
}

// Every error of the user-facing packages says what to try, or is listed
// in hintless with why it need not (docs/design.md, "Errors").
func TestErrorsSayWhatToTry(t *testing.T) {
	root := filepath.Join("..", "..")
	var missing []string
	used := map[string]bool{}
	fset := token.NewFileSet()
	for _, pkg := range userFacing {
		files, err := filepath.Glob(filepath.Join(root, pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", pkg, err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, path, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				text, ok := errorText(n)
				if !ok || strings.Contains(text, "%w") || tryWords.MatchString(text) {
					return true
				}
				if _, listed := hintless[text]; listed {
					used[text] = true
					return true
				}
				rel, _ := filepath.Rel(root, fset.Position(n.Pos()).Filename)
				missing = append(missing, rel+":"+strconv.Itoa(fset.Position(n.Pos()).Line)+": "+strconv.Quote(text))
				return true
			})
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("an error that says nothing to try: %s: say what to do, or list it in hintless with why not", m)
	}
	for text := range hintless {
		if !used[text] {
			t.Errorf("hintless lists %q, which no error says any more: take it out", text)
		}
	}
}

// errorText is the format of an errors.New, fmt.Errorf or usageErrorf call
// written as a literal.
func errorText(n ast.Node) (string, bool) {
	call, ok := n.(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return "", false
	}
	name := ""
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		if x, ok := fn.X.(*ast.Ident); ok {
			name = x.Name + "." + fn.Sel.Name
		}
	case *ast.Ident:
		name = fn.Name
	}
	if name != "errors.New" && name != "fmt.Errorf" && name != "usageErrorf" {
		return "", false
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	text, err := strconv.Unquote(lit.Value)
	return text, err == nil
}
