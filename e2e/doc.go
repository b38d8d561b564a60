// Package e2e holds the browser journeys: the real app on a random loopback
// port, driven through the system Chromium with chromedp, with axe-core
// checking every page the journeys visit, in both languages. The package
// has no code of its own; everything is in the _test.go files. Run it with
//
//	go test -count=1 -timeout 8m ./e2e/...
//
// It needs PostgreSQL (TEST_DATABASE_URL), Chromium (apt-get install
// chromium, or CHROME_PATH) and axe-core (npm ci). Screenshots of every
// page land in e2e/screenshots/ (git-ignored).
//
// The journeys run in parallel (go test's -parallel, by default as many
// as the machine has cores), each in browser contexts of its own; what
// they share, a demo account or the placement search, one holds at a
// time (journey in parallel_test.go). Add -parallel 1 to run them one
// after another.
package e2e
