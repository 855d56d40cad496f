package graph

// SetFailAfterElements switches the import fault used by the atomicity test.
func SetFailAfterElements(on bool) { failAfterElements = on }
