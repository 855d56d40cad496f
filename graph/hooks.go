package graph

import "errors"

// failAfterElements, when set, makes an import fail after it has written elements and before it
// writes relationships. Tests use it to prove that a failing import leaves the database as it was.
var failAfterElements bool

// errInjected is the failure failAfterElements causes.
var errInjected = errors.New("injected failure after writing elements")
