// Package views holds the templates and message catalogues; no code
// beyond this embedding lives here.
package views

import "embed"

// FS holds layouts/, pages/, partials/, emails/ and locales/.
//
//go:embed layouts pages partials emails locales
var FS embed.FS
