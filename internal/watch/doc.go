// Package watch owns file watching for --watch: one fsnotify watcher per
// stack over the repos of the watched services, one OS watch per folder
// however many services watch it (the services of a monorepo share its
// folders, and a change goes to every service whose own tree holds it),
// what of a repo counts for a service (the whole repo or watch.paths,
// minus .git, what the repo's .gitignore files and .git/info/exclude
// ignore, the user's global excludes, the usual build and dependency
// folders, editors' swap files and watch.ignore), and turning a burst of
// file events into one debounced Change per service, with the file that
// triggered it and the setup_when files among the changed ones. A repo too
// large for the OS's watch limit is polled instead, and says so. It
// reports through a channel and never knows the UI, the workers or the
// stack.
package watch
