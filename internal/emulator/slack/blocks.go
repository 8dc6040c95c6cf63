package slackemu

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Block Kit limits, from Slack's block and element reference pages.
const (
	maxBlocks         = 50   // blocks in a message
	maxBlockID        = 255  // block_id and action_id
	maxHeaderText     = 150  // header text (plain_text)
	maxSectionText    = 3000 // section text
	maxSectionFields  = 10   // section fields
	maxFieldText      = 2000 // each section field
	maxContextItems   = 10   // context elements
	maxActionElements = 25   // actions elements
	maxButtonText     = 75   // button text (plain_text)
	maxButtonValue    = 2000 // button value
	maxButtonURL      = 3000 // button url
	maxTextObject     = 3000 // any other text object
	maxCheckboxes     = 10   // checkboxes options
	maxOptionText     = 75   // an option's text and description
	maxOptionValue    = 150  // an option's value
)

// blockErrors checks blocks as Slack's Block Kit schema does, for the blocks
// and elements a release bot sends (header, section, divider, context,
// actions with buttons and checkboxes, image); other block types pass
// unchecked. It returns Slack's error code ("invalid_blocks_format" for JSON
// that is not an array, "invalid_blocks" otherwise) and the messages Slack
// puts in response_metadata, each naming the JSON pointer at fault.
// Lengths are counted in characters (runes). The messages Slack was seen to
// send are reproduced ("must be less than 3001 characters", "no more than 50
// items allowed", "must be more than 0 characters", "missing required field:
// type"); other failures say "failed to match all allowed schemas".
func blockErrors(raw string) (code string, messages []string) {
	var list []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		return "invalid_blocks_format", nil
	}
	c := &checker{}
	if len(list) > maxBlocks {
		c.errorf("/blocks", "no more than %d items allowed", maxBlocks)
	}
	for i, b := range list {
		c.block(fmt.Sprintf("/blocks/%d", i), b)
	}
	if len(c.messages) > 0 {
		return "invalid_blocks", c.messages
	}
	return "", nil
}

type checker struct{ messages []string }

func (c *checker) errorf(pointer, format string, args ...any) {
	c.messages = append(c.messages, fmt.Sprintf("[ERROR] "+format+" [json-pointer:%s]", append(args, pointer)...))
}

// object decodes raw as a JSON object, or records that it is not one.
func (c *checker) object(p string, raw json.RawMessage) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		c.errorf(p, "failed to match all allowed schemas")
		return nil
	}
	return m
}

func str(m map[string]json.RawMessage, key string) (string, bool) {
	raw, ok := m[key]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// length checks an optional string field against a maximum.
func (c *checker) length(p string, m map[string]json.RawMessage, key string, limit int) {
	if s, ok := str(m, key); ok && utf8.RuneCountInString(s) > limit {
		c.errorf(p+"/"+key, "must be less than %d characters", limit+1)
	}
}

// text checks a text object: plain_text (or mrkdwn, when allowed) with 1 to
// limit characters.
func (c *checker) text(p string, raw json.RawMessage, plainOnly bool, limit int) {
	m := c.object(p, raw)
	if m == nil {
		return
	}
	typ, _ := str(m, "type")
	if typ != "plain_text" && (plainOnly || typ != "mrkdwn") {
		c.errorf(p, "failed to match all allowed schemas")
		return
	}
	s, ok := str(m, "text")
	switch n := utf8.RuneCountInString(s); {
	case !ok:
		c.errorf(p, "missing required field: text")
	case n == 0:
		c.errorf(p+"/text", "must be more than 0 characters")
	case n > limit:
		c.errorf(p+"/text", "must be less than %d characters", limit+1)
	}
}

// array decodes a required array field with at most limit items.
func (c *checker) array(p string, m map[string]json.RawMessage, key string, limit int, required bool) []json.RawMessage {
	raw, ok := m[key]
	if !ok {
		if required {
			c.errorf(p, "missing required field: %s", key)
		}
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		c.errorf(p+"/"+key, "failed to match all allowed schemas")
		return nil
	}
	if len(list) > limit {
		c.errorf(p+"/"+key, "no more than %d items allowed", limit)
	}
	if required && len(list) == 0 {
		c.errorf(p+"/"+key, "failed to match all allowed schemas")
	}
	return list
}

// typed reads a block or element: an object with a type and an id no longer
// than maxBlockID under idKey. ok is false when it is neither.
func (c *checker) typed(p string, raw json.RawMessage, idKey string) (m map[string]json.RawMessage, typ string, ok bool) {
	if m = c.object(p, raw); m == nil {
		return nil, "", false
	}
	if typ, ok = str(m, "type"); !ok {
		c.errorf(p, "missing required field: type")
		return nil, "", false
	}
	c.length(p, m, idKey, maxBlockID)
	return m, typ, true
}

// requiredText checks the required text object of a block or element.
func (c *checker) requiredText(p string, m map[string]json.RawMessage, plainOnly bool, max int) {
	if t, ok := m["text"]; ok {
		c.text(p+"/text", t, plainOnly, max)
	} else {
		c.errorf(p, "missing required field: text")
	}
}

func (c *checker) block(p string, raw json.RawMessage) {
	m, typ, ok := c.typed(p, raw, "block_id")
	if !ok {
		return
	}
	switch typ {
	case "header":
		c.requiredText(p, m, true, maxHeaderText)
	case "section":
		t, hasText := m["text"]
		if hasText {
			c.text(p+"/text", t, false, maxSectionText)
		}
		fields := c.array(p, m, "fields", maxSectionFields, false)
		for i, f := range fields {
			c.text(fmt.Sprintf("%s/fields/%d", p, i), f, false, maxFieldText)
		}
		if !hasText && len(fields) == 0 {
			c.errorf(p, "failed to match all allowed schemas")
		}
		if acc, ok := m["accessory"]; ok {
			c.element(p+"/accessory", acc)
		}
	case "context":
		for i, el := range c.array(p, m, "elements", maxContextItems, true) {
			ep := fmt.Sprintf("%s/elements/%d", p, i)
			if em := c.object(ep, el); em != nil {
				if t, _ := str(em, "type"); t == "image" {
					c.element(ep, el)
				} else {
					c.text(ep, el, false, maxTextObject)
				}
			}
		}
	case "actions":
		for i, el := range c.array(p, m, "elements", maxActionElements, true) {
			c.element(fmt.Sprintf("%s/elements/%d", p, i), el)
		}
	case "image":
		if _, ok := str(m, "alt_text"); !ok {
			c.errorf(p, "missing required field: alt_text")
		}
	}
}

func (c *checker) element(p string, raw json.RawMessage) {
	m, typ, ok := c.typed(p, raw, "action_id")
	if !ok {
		return
	}
	switch typ {
	case "button":
		c.requiredText(p, m, true, maxButtonText)
		c.length(p, m, "value", maxButtonValue)
		c.length(p, m, "url", maxButtonURL)
		if style, ok := str(m, "style"); ok && style != "primary" && style != "danger" {
			c.errorf(p+"/style", "failed to match all allowed schemas")
		}
	case "checkboxes":
		for i, o := range c.array(p, m, "options", maxCheckboxes, true) {
			op := fmt.Sprintf("%s/options/%d", p, i)
			if om := c.object(op, o); om != nil {
				c.option(op, om)
			}
		}
		for i, o := range c.array(p, m, "initial_options", maxCheckboxes, false) {
			op := fmt.Sprintf("%s/initial_options/%d", p, i)
			if om := c.object(op, o); om != nil {
				c.option(op, om)
			}
		}
	case "image":
		if _, ok := str(m, "alt_text"); !ok {
			c.errorf(p, "missing required field: alt_text")
		}
	}
}

// option checks a checkboxes option: a text and an optional description
// of at most maxOptionText characters, and a value of at most
// maxOptionValue.
func (c *checker) option(p string, m map[string]json.RawMessage) {
	if t, ok := m["text"]; ok {
		c.text(p+"/text", t, false, maxOptionText)
	} else {
		c.errorf(p, "missing required field: text")
	}
	if d, ok := m["description"]; ok {
		c.text(p+"/description", d, false, maxOptionText)
	}
	if _, ok := str(m, "value"); !ok {
		c.errorf(p, "missing required field: value")
	}
	c.length(p, m, "value", maxOptionValue)
}
