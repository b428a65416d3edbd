package bpmn

import "github.com/weftlabs/weft/broker/timer"

// checkStaticTimer parses a static timer definition, as Zeebe does at deployment.
func checkStaticTimer(t *Timer) error {
	var err error
	switch t.Kind {
	case TimerDuration:
		_, err = timer.ParseDuration(t.Value.Static)
	case TimerDate:
		_, err = timer.ParseDate(t.Value.Static)
	case TimerCycle:
		_, err = timer.ParseCycle(t.Value.Static)
	}
	return err
}
