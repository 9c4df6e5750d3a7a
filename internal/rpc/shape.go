package rpc

import (
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/forsok/forsok/internal/trial"
)

// shapeOf measures a request for trial.CheckShape: the length of every repeated field
// and every text field that is not acceptable text, at any depth, for every method
// alike. A list over its limit is counted but not looked into, so that measuring costs
// no more than the limits allow.
func shapeOf(req proto.Message) trial.RequestShape {
	var s trial.RequestShape
	if req != nil {
		measure(&s, req.ProtoReflect(), "")
	}
	return s
}

func measure(s *trial.RequestShape, m protoreflect.Message, prefix string) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := string(fd.Name())
		path := prefix + name
		switch {
		case fd.IsList():
			list := v.List()
			c := trial.FieldCount{Path: path, Field: name, Count: list.Len()}
			s.Counts = append(s.Counts, c)
			if c.TooMany() {
				return true
			}
			for i := range list.Len() {
				element(s, fd, list.Get(i), path+"["+strconv.Itoa(i)+"]", name)
			}
		case fd.IsMap():
			mp := v.Map()
			c := trial.FieldCount{Path: path, Field: name, Count: mp.Len()}
			s.Counts = append(s.Counts, c)
			if c.TooMany() {
				return true
			}
			mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				key := k.String()
				text(s, path+"{key}", name, key)
				element(s, fd.MapValue(), v, path+"["+strconv.Quote(trimmed(key))+"]", name)
				return true
			})
		default:
			element(s, fd, v, path, name)
		}
		return true
	})
}

// element measures one value: a message is looked into, a string checked.
func element(s *trial.RequestShape, fd protoreflect.FieldDescriptor, v protoreflect.Value, path, name string) {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		measure(s, v.Message(), path+".")
	case protoreflect.StringKind:
		text(s, path, name, v.String())
	}
}

func text(s *trial.RequestShape, path, name, value string) {
	if v := trial.TextViolation(path, name, value); v != nil {
		s.Texts = append(s.Texts, *v)
	}
}

// trimmed shortens a value of the caller's for a field path.
func trimmed(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}
