package gateway

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// validateSwagger2 checks doc (a decoded JSON document) against the rules of Swagger 2.0
// (OpenAPI 2.0) that a generator can break: required fields, the allowed fields of each
// object (vendor extensions "x-..." aside), parameter locations and types, path
// parameters declared for every template variable and required, unique operation ids,
// a description on every response, and every $ref resolving to a definition. It fails
// the test with every problem found.
func validateSwagger2(t *testing.T, doc map[string]any) {
	t.Helper()
	v := &swaggerValidator{doc: doc}
	v.validate()
	if len(v.problems) > 0 {
		t.Fatalf("the OpenAPI document is not valid Swagger 2.0:\n%s", strings.Join(v.problems, "\n"))
	}
}

type swaggerValidator struct {
	doc      map[string]any
	problems []string
}

func (v *swaggerValidator) fail(where, format string, args ...any) {
	v.problems = append(v.problems, where+": "+fmt.Sprintf(format, args...))
}

func fieldSet(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

var (
	swaggerRootFields = fieldSet("swagger", "info", "host", "basePath", "schemes", "consumes", "produces", "paths",
		"definitions", "parameters", "responses", "securityDefinitions", "security", "tags", "externalDocs")
	swaggerInfoFields      = fieldSet("title", "description", "termsOfService", "contact", "license", "version")
	swaggerPathItemFields  = fieldSet("$ref", "get", "put", "post", "delete", "options", "head", "patch", "parameters")
	swaggerOperationFields = fieldSet("tags", "summary", "description", "externalDocs", "operationId", "consumes",
		"produces", "parameters", "responses", "schemes", "deprecated", "security")
	swaggerParameterFields = fieldSet("name", "in", "description", "required", "schema", "type", "format",
		"allowEmptyValue", "items", "collectionFormat", "default", "maximum", "exclusiveMaximum", "minimum",
		"exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "enum", "multipleOf")
	swaggerResponseFields = fieldSet("description", "schema", "headers", "examples")
	swaggerSchemaFields   = fieldSet("$ref", "format", "title", "description", "default", "multipleOf", "maximum",
		"exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
		"uniqueItems", "maxProperties", "minProperties", "required", "enum", "type", "items", "allOf", "properties",
		"additionalProperties", "discriminator", "readOnly", "xml", "externalDocs", "example")
	swaggerTagFields = fieldSet("name", "description", "externalDocs")

	swaggerSchemaTypes = fieldSet("string", "number", "integer", "boolean", "array", "object", "file")
	swaggerParamTypes  = fieldSet("string", "number", "integer", "boolean", "array", "file")
	swaggerParamIn     = fieldSet("query", "header", "path", "formData", "body")
	swaggerStatus      = regexp.MustCompile(`^[1-5][0-9][0-9]$`)
	swaggerTemplateVar = regexp.MustCompile(`\{([^}]+)\}`)
)

// object returns v as a JSON object, or reports that it is not one.
func (v *swaggerValidator) object(where string, x any) map[string]any {
	m, ok := x.(map[string]any)
	if !ok {
		v.fail(where, "want an object, got %T", x)
		return nil
	}
	return m
}

// fields reports the fields of m that its kind of object does not have.
func (v *swaggerValidator) fields(where string, m map[string]any, allowed map[string]bool) {
	for k := range m {
		if !allowed[k] && !strings.HasPrefix(k, "x-") {
			v.fail(where, "field %q is not allowed here", k)
		}
	}
}

func (v *swaggerValidator) nonEmptyString(where string, x any) string {
	s, ok := x.(string)
	if !ok || s == "" {
		v.fail(where, "want a non-empty string, got %v", x)
	}
	return s
}

func (v *swaggerValidator) stringList(where string, x any) {
	a, ok := x.([]any)
	if !ok {
		v.fail(where, "want an array of strings, got %T", x)
		return
	}
	for i, s := range a {
		if _, ok := s.(string); !ok {
			v.fail(fmt.Sprintf("%s[%d]", where, i), "want a string, got %T", s)
		}
	}
}

func (v *swaggerValidator) validate() {
	v.fields("root", v.doc, swaggerRootFields)
	if v.doc["swagger"] != "2.0" {
		v.fail("swagger", `want "2.0", got %v`, v.doc["swagger"])
	}
	if info := v.object("info", v.doc["info"]); info != nil {
		v.fields("info", info, swaggerInfoFields)
		v.nonEmptyString("info.title", info["title"])
		v.nonEmptyString("info.version", info["version"])
	}
	for _, k := range []string{"consumes", "produces", "schemes"} {
		if x, ok := v.doc[k]; ok {
			v.stringList(k, x)
		}
	}
	if tags, ok := v.doc["tags"].([]any); ok {
		for i, tg := range tags {
			if m := v.object(fmt.Sprintf("tags[%d]", i), tg); m != nil {
				v.fields(fmt.Sprintf("tags[%d]", i), m, swaggerTagFields)
				v.nonEmptyString(fmt.Sprintf("tags[%d].name", i), m["name"])
			}
		}
	}
	defs := map[string]any{}
	if x, ok := v.doc["definitions"]; ok {
		defs = v.object("definitions", x)
		for name, s := range defs {
			v.schema("definitions."+name, s)
		}
	}
	paths := v.object("paths", v.doc["paths"])
	ids := map[string]string{}
	for path, item := range paths {
		if !strings.HasPrefix(path, "/") {
			v.fail("paths", "path %q does not start with /", path)
		}
		im := v.object(path, item)
		v.fields(path, im, swaggerPathItemFields)
		for method, op := range im {
			if method == "parameters" || method == "$ref" || strings.HasPrefix(method, "x-") {
				continue
			}
			where := strings.ToUpper(method) + " " + path
			om := v.object(where, op)
			if om == nil {
				continue
			}
			v.operation(where, path, om)
			if id, ok := om["operationId"].(string); ok {
				if other, dup := ids[id]; dup {
					v.fail(where, "operationId %q is also used by %s", id, other)
				}
				ids[id] = where
			}
		}
	}
	v.refs("", v.doc, defs)
}

func (v *swaggerValidator) operation(where, path string, op map[string]any) {
	v.fields(where, op, swaggerOperationFields)
	if tags, ok := op["tags"]; ok {
		v.stringList(where+" tags", tags)
	}
	if d, ok := op["deprecated"]; ok {
		if _, ok := d.(bool); !ok {
			v.fail(where, "deprecated is a %T, want a boolean", d)
		}
	}
	pathParams := map[string]bool{}
	bodies := 0
	params, _ := op["parameters"].([]any)
	if _, ok := op["parameters"]; ok && params == nil {
		v.fail(where, "parameters is not an array")
	}
	for i, p := range params {
		pw := fmt.Sprintf("%s parameters[%d]", where, i)
		pm := v.object(pw, p)
		if pm == nil {
			continue
		}
		v.fields(pw, pm, swaggerParameterFields)
		name := v.nonEmptyString(pw+".name", pm["name"])
		in, _ := pm["in"].(string)
		if !swaggerParamIn[in] {
			v.fail(pw, "in is %v, want one of query, header, path, formData, body", pm["in"])
		}
		switch in {
		case "body":
			bodies++
			if _, ok := pm["schema"]; !ok {
				v.fail(pw, "a body parameter needs a schema")
			} else {
				v.schema(pw+".schema", pm["schema"])
			}
		default:
			typ, _ := pm["type"].(string)
			if !swaggerParamTypes[typ] {
				v.fail(pw, "type is %v, want a parameter type", pm["type"])
			}
			if typ == "array" {
				if _, ok := pm["items"]; !ok {
					v.fail(pw, "an array parameter needs items")
				}
			}
			if _, ok := pm["schema"]; ok {
				v.fail(pw, "only a body parameter has a schema")
			}
		}
		if in == "path" {
			pathParams[name] = true
			if pm["required"] != true {
				v.fail(pw, "a path parameter must be required")
			}
		}
	}
	if bodies > 1 {
		v.fail(where, "%d body parameters, at most 1 allowed", bodies)
	}
	for _, m := range swaggerTemplateVar.FindAllStringSubmatch(path, -1) {
		if !pathParams[m[1]] {
			v.fail(where, "template variable {%s} has no path parameter", m[1])
		}
		delete(pathParams, m[1])
	}
	for name := range pathParams {
		v.fail(where, "path parameter %q is not in the path", name)
	}
	responses := v.object(where+" responses", op["responses"])
	if len(responses) == 0 {
		v.fail(where, "an operation needs at least one response")
	}
	for code, r := range responses {
		rw := where + " responses." + code
		if code != "default" && !swaggerStatus.MatchString(code) && !strings.HasPrefix(code, "x-") {
			v.fail(rw, "not an HTTP status or default")
		}
		rm := v.object(rw, r)
		if rm == nil {
			continue
		}
		v.fields(rw, rm, swaggerResponseFields)
		v.nonEmptyString(rw+".description", rm["description"])
		if s, ok := rm["schema"]; ok {
			v.schema(rw+".schema", s)
		}
	}
}

// schema checks a schema object and the schemas inside it.
func (v *swaggerValidator) schema(where string, x any) {
	s := v.object(where, x)
	if s == nil {
		return
	}
	v.fields(where, s, swaggerSchemaFields)
	if typ, ok := s["type"]; ok {
		ts, _ := typ.(string)
		if !swaggerSchemaTypes[ts] {
			v.fail(where, "type %v is not a Swagger 2.0 type", typ)
		}
		if ts == "array" {
			if _, ok := s["items"]; !ok {
				v.fail(where, "an array schema needs items")
			}
		}
	}
	if items, ok := s["items"]; ok {
		v.schema(where+".items", items)
	}
	if props, ok := s["properties"]; ok {
		for name, p := range v.object(where+".properties", props) {
			v.schema(where+".properties."+name, p)
		}
	}
	if ap, ok := s["additionalProperties"]; ok {
		if _, isBool := ap.(bool); !isBool {
			v.schema(where+".additionalProperties", ap)
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		for i, a := range all {
			v.schema(fmt.Sprintf("%s.allOf[%d]", where, i), a)
		}
	}
	if req, ok := s["required"]; ok {
		v.stringList(where+".required", req)
	}
}

// refs checks that every $ref in x points at a definition.
func (v *swaggerValidator) refs(where string, x any, defs map[string]any) {
	switch x := x.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "$ref" {
				ref, _ := c.(string)
				name, ok := strings.CutPrefix(ref, "#/definitions/")
				if _, defined := defs[name]; !ok || !defined {
					v.fail(where, "$ref %v does not resolve to a definition", c)
				}
				continue
			}
			v.refs(where+"/"+k, c, defs)
		}
	case []any:
		for i, c := range x {
			v.refs(fmt.Sprintf("%s/%d", where, i), c, defs)
		}
	}
}

// The validator finds what it is meant to find.
func TestValidateSwagger2Catches(t *testing.T) {
	for _, c := range []struct {
		name, doc, want string
	}{
		{"version", `{"swagger":"3.0","info":{"title":"t","version":"1"},"paths":{}}`, `want "2.0"`},
		{"unknown field", `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{},"servers":[]}`, `"servers"`},
		{"dangling ref", `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/X"}}}}}}}`, "does not resolve"},
		{"undeclared path parameter", `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a/{k}":{"get":{"responses":{"200":{"description":"ok"}}}}}}`, "{k}"},
		{"optional path parameter", `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a/{k}":{"get":{"parameters":[{"name":"k","in":"path","type":"string"}],"responses":{"200":{"description":"ok"}}}}}}`, "must be required"},
		{"response without description", `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{}}}}}}`, "description"},
		{"duplicate operationId", `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"operationId":"x","responses":{"200":{"description":"ok"}}},"post":{"operationId":"x","responses":{"200":{"description":"ok"}}}}}}`, "also used"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := decodeObject(t, []byte(c.doc))
			v := &swaggerValidator{doc: doc}
			v.validate()
			if !strings.Contains(strings.Join(v.problems, "\n"), c.want) {
				t.Fatalf("problems %q do not mention %q", v.problems, c.want)
			}
		})
	}
}
