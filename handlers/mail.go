package handlers

// Mail is rendered (a.mail.Render) before the Store method that queues it
// is called, and passed in as a db.Mail value: the outbox row then commits
// with the change that caused it. Call a.wakeMail after the commit to send
// it at once.

// wakeMail asks the outbox sender to deliver now rather than at the next
// minute.
func (a *App) wakeMail() {
	if a.sender != nil {
		a.sender.Wake()
	}
}
