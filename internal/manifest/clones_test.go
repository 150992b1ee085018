package manifest

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestServicesOfOneRepoAndBranchShareOneClone(t *testing.T) {
	ws := t.TempDir()
	src := doc("version: 1", "project: p", "services:",
		`  catalogue: {repo: "file:///srv/git/shop.git", dir: cmd/catalogue}`,
		`  orders: {repo: "file:///srv/git/shop", dir: cmd/orders, paths: [cmd/orders, internal/shared]}`,
		`  payments: {repo: "file:///srv/git/shop.git/", dir: ./cmd/payments/}`,
		`  admin: {repo: "file:///srv/git/shop.git", branch: dev, path: shop-dev}`,
		`  api: {repo: "git@example.com:crisp/api.git"}`,
		`  docs: {repo: "git@example.com:crisp/docs.git", path: site}`,
		`  web: {repo: "git@example.com:crisp/docs.git", dir: web}`,
	)
	m, err := Parse([]byte(src), "m.yaml", Options{Workspace: ws})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	dirs := map[string]string{}
	for _, name := range m.ServiceNames() {
		dirs[name] = m.Services[name].Dir
	}
	want := map[string]string{
		"catalogue": filepath.Join(ws, "shop"), "orders": filepath.Join(ws, "shop"), "payments": filepath.Join(ws, "shop"),
		"admin": filepath.Join(ws, "shop-dev"), "api": filepath.Join(ws, "api"),
		"docs": filepath.Join(ws, "site"), "web": filepath.Join(ws, "site"), // the path written is the clone's
	}
	if !reflect.DeepEqual(dirs, want) {
		t.Errorf("clone folders:\n%v\nwant\n%v", dirs, want)
	}
	clones := m.Clones(m.ServiceNames())
	var got [][]string
	for _, c := range clones {
		got = append(got, append([]string{c.Name}, c.Services...))
	}
	wantClones := [][]string{{"shop", "catalogue", "orders", "payments"}, {"shop-dev", "admin"}, {"api", "api"}, {"site", "docs", "web"}}
	if !reflect.DeepEqual(got, wantClones) {
		t.Errorf("Clones = %v, want %v", got, wantClones)
	}
	if s := m.Services["payments"]; s.RunDir() != filepath.Join(ws, "shop", "cmd", "payments") || !reflect.DeepEqual(s.Scope(), []string{"cmd/payments"}) {
		t.Errorf("payments: RunDir %s, Scope %v", s.RunDir(), s.Scope())
	}
	if s := m.Services["api"]; s.RunDir() != s.Dir || s.Scope() != nil {
		t.Errorf("api: RunDir %s, Scope %v: want the repo's top and all of it", s.RunDir(), s.Scope())
	}
	if got := m.SharingClone("orders"); !reflect.DeepEqual(got, []string{"catalogue", "orders", "payments"}) {
		t.Errorf("SharingClone(orders) = %v", got)
	}
}

func TestInScope(t *testing.T) {
	scope := []string{"cmd/orders", "internal/shared", "go.mod"}
	for f, want := range map[string]bool{
		"cmd/orders/main.go": true, "cmd/orders": true, "internal/shared/x/y.go": true, "go.mod": true,
		"cmd/ordersx/main.go": false, "go.sum": false, "cmd/payments/main.go": false,
	} {
		if got := InScope(scope, f); got != want {
			t.Errorf("InScope(%q) = %v, want %v", f, got, want)
		}
	}
	if !InScope(nil, "anything/at/all") {
		t.Error("a nil scope is the whole repo")
	}
}
