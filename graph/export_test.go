package graph

// SetFailAfterElements switches the import fault used by the atomicity test.
func SetFailAfterElements(on bool) { failAfterElements = on }

// SetStageThreshold sets the file size (elements and relationships) from which imports are
// staged, and the rows of a staging batch; it returns a function that restores both.
func SetStageThreshold(items, batch int) (restore func()) {
	oldItems, oldBatch := stageThreshold, stageBatch
	stageThreshold, stageBatch = items, batch
	return func() { stageThreshold, stageBatch = oldItems, oldBatch }
}

// SetFailBeforeSwitch makes staged imports fail once everything is staged, before the switch;
// keep leaves what they staged in place, as a killed process would.
func SetFailBeforeSwitch(on, keep bool) { failBeforeSwitch, keepStaged = on, keep }
