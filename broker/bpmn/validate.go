package bpmn

// validate checks the rules that need the whole process: the elements'
// kinds, start and end events, task definitions and gateway flows.
func (pb *processBuilder) validate() {
	p := pb.p
	otherStarts := false
	for _, el := range p.Elements {
		pb.checkKind(el)
		if ref, ok := pb.msgRefs[el]; ok && el.Type != ElementIntermediateThrowEvent && el.Type != ElementEndEvent &&
			unsupported(kind{el.Type, el.EventType}) == "" {
			pb.messageRef(el, ref)
		}
		if n, ok := pb.timerDefs[el]; ok && unsupported(kind{el.Type, el.EventType}) == "" {
			pb.timerDef(el, n)
			if el.Type == ElementStartEvent && el.Parent == nil && el.Timer != nil {
				p.TimerStarts = append(p.TimerStarts, el)
			}
		}
		if ref, ok := pb.errorRefs[el]; ok && el.Type == ElementBoundaryEvent && unsupported(kind{el.Type, el.EventType}) == "" {
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
			}
			if len(el.Incoming) > 0 {
				pb.problem(el.ID, "a start event must not have incoming sequence flows")
			}
		case ElementEndEvent:
			if len(el.Outgoing) > 0 {
				pb.problem(el.ID, "an end event must not have outgoing sequence flows")
			}
		case ElementIntermediateCatchEvent, ElementReceiveTask, ElementBoundaryEvent:
			if m := el.Message; m != nil && m.CorrelationKey.Raw == "" {
				pb.problem(el.ID, "the message '%s' must have a correlation key: add a zeebe:subscription with correlationKey to it", m.ID)
			}
		case ElementServiceTask:
			if !pb.taskDefined[el] {
				pb.problem(el.ID, "a service task must have a zeebe:taskDefinition with a job type")
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
