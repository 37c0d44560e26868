package httpapi

// commentParam is the comment parameter of a write: why, in the staff
// member's words, kept with the change set.
func commentParam(required bool) obj {
	desc := "why, in your words (at most 500 characters); kept with the change set"
	if required {
		desc += "; needed to save a boundary change (not for a dry run)"
	}
	return obj{"name": "comment", "in": "query", "required": false, "description": desc, "schema": obj{"type": "string", "maxLength": 500}}
}

// addChangePaths describes change sets and proposals in the OpenAPI
// document.
func (s *Server) addChangePaths(paths obj, problem, idParam, ifMatch, dryRun obj, auth string) {
	tags := []string{"staff"}
	ok := func(desc string) obj {
		return obj{"description": desc, "content": obj{mediaJSON: obj{"schema": obj{"type": "object"}}}}
	}
	conflict := obj{"description": "a later change stands in the way: the problem's later lists each (feature, version, who, at, change_set)",
		"content": obj{mediaProblem: obj{"schema": obj{"$ref": "#/components/schemas/problem"}}}}
	csID := obj{"name": "changeSetId", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 1}}
	pID := obj{"name": "proposalId", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 1}}
	paths["/api/changesets/{changeSetId}"] = obj{"get": obj{"summary": "one change set: everything one edit changed, before and after", "operationId": "getChangeSet", "tags": tags,
		"description": "Who, when, why (reason and comment), every feature with its geometry before and after, and the changes made since to them (while there are any it cannot be reverted). The ETag is what a revert sends in If-Match." + auth,
		"parameters":  []obj{csID}, "responses": obj{"200": ok("the change set"), "401": problem, "404": problem}}}
	paths["/api/changesets/{changeSetId}/revert"] = obj{"post": obj{"summary": "undo a change set as one edit", "operationId": "revertChangeSet", "tags": tags,
		"description": "Every feature the change set changed gets its state before it, in one transaction validated as a whole; a new change set records it. Refused with 409 when a later change touched the same features." + auth,
		"parameters": []obj{csID, {"name": "If-Match", "in": "header", "required": true, "description": "the change set's ETag, \"changeset-<id>-<n>\"", "schema": obj{"type": "string"}},
			dryRun, commentParam(true)},
		"responses": obj{"200": ok("what changed, and the new change set"), "400": problem, "401": problem, "403": problem, "404": problem, "409": conflict, "412": problem, "422": problem, "428": problem}}}
	paths["/api/grids/{featureId}/proposals"] = obj{"post": obj{"summary": "propose a grid's new outline to the neighbours it changes", "operationId": "proposeGrid", "tags": []string{"grids"},
		"description": "For an editor whose reshape touches grids outside their scope: the same body and If-Match as a reshape, checked by every rule but the scope; kept as a proposal that the other grids' editors accept or decline. 400 when it needs nobody's agreement." + auth,
		"parameters":  []obj{idParam, ifMatch, dryRun, commentParam(true)}, "requestBody": obj{"required": true, "content": obj{mediaGeoJSON: obj{"schema": obj{"type": "object"}}}},
		"responses": obj{"201": ok("the proposal, with its preview"), "200": ok("dry run"), "400": problem, "401": problem, "403": problem, "412": problem, "422": problem, "428": problem}}}
	paths["/api/proposals"] = obj{"get": obj{"summary": "the proposals in your desk", "operationId": "getProposals", "tags": tags,
		"description": "Your own, those waiting for grids you look after, every one for an admin; newest first. Each with its preview (before/after, areas gained and lost, what moves with it), who agreed, whether it is stale and what you may do." + auth,
		"parameters":  []obj{{"name": "state", "in": "query", "required": false, "schema": obj{"type": "string", "enum": []string{"open", "all"}, "default": "open"}}},
		"responses":   obj{"200": ok("the proposals"), "400": problem, "401": problem}}}
	paths["/api/proposals/{proposalId}"] = obj{"get": obj{"summary": "one proposal", "operationId": "getProposal", "tags": tags, "description": auth,
		"parameters": []obj{pID}, "responses": obj{"200": ok("the proposal"), "401": problem, "404": problem}}}
	paths["/api/proposals/{proposalId}/accept"] = obj{"post": obj{"summary": "agree to a proposal for the grids you look after", "operationId": "acceptProposal", "tags": tags,
		"description": "The last agreement applies it, in the same transaction, checked against the versions it was drawn on: one change set. The proposer cannot accept their own. A proposal made stale by a later change is refused with 409." + auth,
		"parameters":  []obj{pID, dryRun, commentParam(false)},
		"responses":   obj{"200": ok("the proposal and, when applied, what changed"), "401": problem, "403": problem, "404": problem, "409": conflict, "422": problem}}}
	paths["/api/proposals/{proposalId}/decline"] = obj{"post": obj{"summary": "decline a proposal with a reason", "operationId": "declineProposal", "tags": tags, "description": auth,
		"parameters": []obj{pID, {"name": "reason", "in": "query", "required": true, "description": "why; the proposer reads it", "schema": obj{"type": "string", "maxLength": 500}}},
		"responses":  obj{"200": ok("the proposal"), "400": problem, "401": problem, "403": problem, "404": problem, "409": problem}}}
	paths["/api/proposals/{proposalId}/withdraw"] = obj{"post": obj{"summary": "withdraw your proposal", "operationId": "withdrawProposal", "tags": tags, "description": auth,
		"parameters": []obj{pID}, "responses": obj{"200": ok("the proposal"), "401": problem, "403": problem, "404": problem, "409": problem}}}
}
