// Package static holds the CSS, JavaScript and images served under
// /static/<version>/, and the vendor assets `make assets` copies from npm.
package static

import "embed"

// FS holds every static file. vendor/ is produced by `make assets`; it is
// embedded with all: so that a checkout without it still builds.
//
//go:embed css js img all:vendor
var FS embed.FS
