package db

// FieldError refuses one input field; Code is the message id the web
// layer shows beside the field (in the user's language).
type FieldError struct {
	Field string
	Code  string
}

// Error names the field and the message id, for logs.
func (e *FieldError) Error() string { return "db: " + e.Field + ": " + e.Code }
