package bpmn

import "strings"

// validate checks the rules that need the whole process: the elements'
// kinds, start and end events, task definitions and gateway flows.
func (pb *processBuilder) validate() {
	p := pb.p
	otherStarts := false
	for _, el := range p.Elements {
		pb.checkKind(el)
		if ref, ok := pb.msgRefs[el]; ok && el.Type != ElementIntermediateThrowEvent && el.Type != ElementEndEvent &&
			(el.Type != ElementStartEvent || el.Parent != nil) &&
			unsupported(kind{el.Type, el.EventType}) == "" {
			pb.messageRef(el, ref)
		}
		if n, ok := pb.timerDefs[el]; ok && unsupported(kind{el.Type, el.EventType}) == "" {
			pb.timerDef(el, n)
			if el.Type == ElementStartEvent && el.Parent == nil && el.Timer != nil {
				p.TimerStarts = append(p.TimerStarts, el)
			}
		}
		if ref, ok := pb.errorRefs[el]; ok && (el.Type == ElementBoundaryEvent || el.Type == ElementStartEvent) && unsupported(kind{el.Type, el.EventType}) == "" {
			pb.errorRef(el, ref)
		}
		if ref, ok := pb.escalationRefs[el]; ok && unsupported(kind{el.Type, el.EventType}) == "" {
			pb.escalationRef(el, ref)
		}
		if ref, ok := pb.errorRefs[el]; ok && el.Type == ElementEndEvent && unsupported(kind{el.Type, el.EventType}) == "" {
			pb.errorRef(el, ref)
		}
		if ref, ok := pb.attachedRefs[el]; ok && unsupported(kind{el.Type, el.EventType}) == "" {
			pb.attach(el, ref)
		}
		if ref, ok := pb.signalRefs[el]; ok && unsupported(kind{el.Type, el.EventType}) == "" {
			pb.signalRef(el, ref)
			if el.Type == ElementStartEvent && el.Parent == nil {
				p.SignalStarts = append(p.SignalStarts, el)
			}
		}
		switch el.Type {
		case ElementStartEvent:
			if el.Parent == nil {
				switch {
				case el.EventType != EventNone:
					otherStarts = true
				case p.NoneStart == nil:
					p.NoneStart = el
				default:
					pb.problem(el.ID, "a process can have only one none start event, but '%s' is one too", p.NoneStart.ID)
				}
			} else if el.Parent.Type == ElementEventSubProcess {
				switch {
				case el.EventType == EventNone:
					pb.problem(el.ID, "the start event of an event sub-process must have an event definition (timer, message, signal, error or escalation)")
				case el.Parent.Start != nil:
					pb.problem(el.ID, "an event sub-process can have only one start event, but '%s' is one too", el.Parent.Start.ID)
				default:
					el.Parent.Start = el
				}
				if el.EventType == EventError && !el.Interrupting {
					pb.problem(el.ID, "an error start event must be interrupting")
				}
			} else if el.Parent.Type == ElementSubProcess {
				switch {
				case el.EventType != EventNone:
					pb.problem(el.ID, "a sub-process can only have a none start event")
				case el.Parent.Start != nil:
					pb.problem(el.ID, "a sub-process can have only one none start event, but '%s' is one too", el.Parent.Start.ID)
				default:
					el.Parent.Start = el
				}
			}
			if len(el.Incoming) > 0 {
				pb.problem(el.ID, "a start event must not have incoming sequence flows")
			}
		case ElementEndEvent:
			if len(el.Outgoing) > 0 {
				pb.problem(el.ID, "an end event must not have outgoing sequence flows")
			}
			if el.EventType == EventMessage && !pb.taskDefined[el] {
				pb.problem(el.ID, "a message end event must have a zeebe:taskDefinition with a job type")
			}
		case ElementIntermediateThrowEvent:
			if el.EventType == EventMessage && !pb.taskDefined[el] {
				pb.problem(el.ID, "a message intermediate throw event must have a zeebe:taskDefinition with a job type")
			}
			if el.EventType == EventLink && len(el.Outgoing) > 0 {
				pb.problem(el.ID, "a throw link event must not have outgoing sequence flows")
			}
		case ElementIntermediateCatchEvent, ElementReceiveTask, ElementBoundaryEvent:
			if m := el.Message; m != nil && m.CorrelationKey.Raw == "" {
				pb.problem(el.ID, "the message '%s' must have a correlation key: add a zeebe:subscription with correlationKey to it", m.ID)
			}
		case ElementServiceTask, ElementSendTask:
			if !pb.taskDefined[el] {
				pb.problem(el.ID, "a %s must have a zeebe:taskDefinition with a job type", describe(kind{el.Type, el.EventType}))
			}
		case ElementEventBasedGateway:
			if len(el.Outgoing) < 2 {
				pb.problem(el.ID, "an event-based gateway must have at least two outgoing sequence flows")
			}
			for _, f := range el.Outgoing {
				t := f.Target
				if t == nil {
					continue
				}
				ok := t.Type == ElementIntermediateCatchEvent &&
					(t.EventType == EventMessage || t.EventType == EventTimer || t.EventType == EventSignal)
				if !ok {
					pb.problem(el.ID, "the sequence flow '%s' of the event-based gateway must lead to an intermediate message, timer or signal catch event, but leads to '%s'", f.ID, t.ID)
				}
				if len(t.Incoming) > 1 {
					pb.problem(t.ID, "an event that follows an event-based gateway must have only the gateway's sequence flow coming in")
				}
			}
		case ElementCallActivity:
			if el.Called == nil {
				pb.problem(el.ID, "a call activity must have a zeebe:calledElement with a processId")
			}
		case ElementScriptTask, ElementBusinessRuleTask:
			if !pb.taskDefined[el] && el.Script == nil && el.Type == ElementScriptTask {
				pb.problem(el.ID, "a script task must have a zeebe:script or a zeebe:taskDefinition")
			}
			if pb.taskDefined[el] && el.Script != nil {
				pb.problem(el.ID, "a script task must have either a zeebe:script or a zeebe:taskDefinition, not both")
			}
			if el.Type == ElementBusinessRuleTask && !pb.taskDefined[el] && el.Decision == nil {
				pb.problem(el.ID, "a business rule task must have a zeebe:calledDecision or a zeebe:taskDefinition")
			}
			if el.Type == ElementBusinessRuleTask && pb.taskDefined[el] && el.Decision != nil {
				pb.problem(el.ID, "a business rule task must have either a zeebe:calledDecision or a zeebe:taskDefinition, not both")
			}
		case ElementExclusiveGateway, ElementInclusiveGateway:
			if len(el.Outgoing) > 1 {
				for _, f := range el.Outgoing {
					if f != el.Default && f.Condition == nil {
						pb.problem(f.ID, "a sequence flow leaving gateway '%s' must have a condition or be the gateway's default flow", el.ID)
					}
				}
			}
		}
	}
	for _, f := range p.Flows {
		if f.Condition == nil || f.Source == nil {
			continue
		}
		switch f.Source.Type {
		case ElementExclusiveGateway, ElementInclusiveGateway:
		default:
			pb.problem(f.ID, "the sequence flow leaves %s '%s' and must not have a condition: conditions are only supported on flows leaving exclusive or inclusive gateways",
				describe(kind{f.Source.Type, f.Source.EventType}), f.Source.ID)
		}
	}
	for _, el := range p.Elements {
		if el.Type == ElementSubProcess && el.Start == nil && unsupported(kind{el.Type, el.EventType}) == "" {
			pb.problem(el.ID, "a sub-process must have a none start event")
		}
		if el.Type == ElementEventSubProcess && unsupported(kind{el.Type, el.EventType}) == "" {
			if el.Start == nil {
				pb.problem(el.ID, "an event sub-process must have a start event")
			}
			if len(el.Incoming) > 0 || len(el.Outgoing) > 0 {
				pb.problem(el.ID, "an event sub-process must not have incoming or outgoing sequence flows")
			}
			if el.Parent == nil {
				p.EventSubProcesses = append(p.EventSubProcesses, el)
			} else {
				el.Parent.EventSubProcesses = append(el.Parent.EventSubProcesses, el)
			}
		}
		if el.Type == ElementStartEvent && el.Parent == nil && el.EventType == EventMessage {
			if ref, ok := pb.msgRefs[el]; ok {
				pb.messageRef(el, ref)
			}
			if el.Message != nil {
				if el.Message.Name.IsExpression() {
					pb.problem(el.ID, "the name of message '%s' must be static on a start event: its subscription opens at deployment", el.Message.ID)
				} else {
					p.MessageStarts = append(p.MessageStarts, el)
				}
			}
		}
		if el.Type == ElementStartEvent && el.Parent != nil && el.Message != nil && el.Message.CorrelationKey.Raw == "" {
			pb.problem(el.ID, "the message '%s' must have a correlation key: add a zeebe:subscription with correlationKey to it", el.Message.ID)
		}
	}
	for _, el := range p.Elements {
		if el.Type == ElementInclusiveGateway && len(el.Incoming) > 1 {
			p.HasInclusiveJoin = true
		}
	}
	pb.linkEvents()
	pb.compensation()
	pb.checkStraightThroughLoops()
	pb.checkSelfCall()
	// A process that starts only through message, timer or signal start
	// events is valid in Zeebe; those report their own problem while the
	// engine does not run them.
	if p.NoneStart == nil && !otherStarts {
		pb.problem(p.ID, "the process has no none start event")
	}
}

// checkKind reports an element whose kind the engine does not run.
func (pb *processBuilder) checkKind(el *Element) {
	if !pb.kindReported[el] {
		if msg := unsupported(kind{el.Type, el.EventType}); msg != "" {
			pb.problem(el.ID, "%s", msg)
		}
	}
	if pb.multiInst[el] {
		if msg := unsupported(kind{ElementMultiInstanceBody, EventUnspecified}); msg != "" {
			pb.problem(el.ID, "%s", msg)
		}
	}
}

// straightThrough reports whether an element passes its token on without waiting and
// without deciding where it goes: such elements in a cycle would loop for ever.
func straightThrough(el *Element) bool {
	if len(el.Boundaries) > 0 {
		return false
	}
	switch el.Type {
	case ElementTask, ElementManualTask:
		return true
	case ElementIntermediateThrowEvent:
		return el.EventType == EventNone
	}
	return false
}

// checkStraightThroughLoops rejects a cycle of sequence flows made only of elements that
// pass the token on at once, as Zeebe does: an instance entering it would never stop.
func (pb *processBuilder) checkStraightThroughLoops() {
	const (
		unvisited = iota
		onPath
		done
	)
	mark := map[*Element]int{}
	var path []*Element
	reported := false
	var visit func(el *Element)
	visit = func(el *Element) {
		mark[el] = onPath
		path = append(path, el)
		for _, f := range el.Outgoing {
			t := f.Target
			if t == nil || !straightThrough(t) || reported {
				continue
			}
			switch mark[t] {
			case onPath:
				var ids []string
				for i := len(path) - 1; i >= 0; i-- {
					ids = append([]string{path[i].ID}, ids...)
					if path[i] == t {
						break
					}
				}
				ids = append(ids, t.ID)
				pb.problem(t.ID, "the process has a straight-through processing loop: %s; its elements never wait, so an instance would loop for ever", strings.Join(ids, " -> "))
				reported = true
			case unvisited:
				visit(t)
			}
		}
		path = path[:len(path)-1]
		mark[el] = done
	}
	for _, el := range pb.p.Elements {
		if straightThrough(el) && mark[el] == unvisited && !reported {
			visit(el)
		}
	}
}

// checkSelfCall rejects a process whose none start event leads, through elements that
// never wait, to a call activity that calls the process itself: every instance would
// create another at once, for ever. Zeebe rejects it as a straight-through loop too.
func (pb *processBuilder) checkSelfCall() {
	p := pb.p
	if p.NoneStart == nil {
		return
	}
	seen := map[*Element]bool{p.NoneStart: true}
	queue := []*Element{p.NoneStart}
	for len(queue) > 0 {
		el := queue[0]
		queue = queue[1:]
		for _, f := range el.Outgoing {
			t := f.Target
			if t == nil || seen[t] {
				continue
			}
			seen[t] = true
			if t.Type == ElementCallActivity && t.Called != nil && !t.Called.ProcessID.IsExpression() &&
				t.Called.ProcessID.Static == p.ID && len(t.Boundaries) == 0 {
				pb.problem(t.ID, "the process has a straight-through processing loop: it calls itself through '%s' as soon as it starts, so every instance would create another for ever", t.ID)
				return
			}
			if straightThrough(t) {
				queue = append(queue, t)
			}
		}
	}
}
