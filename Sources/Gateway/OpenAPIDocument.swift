/// The gateway's API as OpenAPI 3.1, served at `GET /openapi.json`.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Punk Records gateway",
            "version": "1.0.0",
            "description":
              "Stateless HTTP ingest of Punk Records. The gateway validates event envelopes, produces them to Kafka and answers 202 only after the broker acknowledged the record with acks=all (idempotent producer). Retrying with the same event_id is always safe: duplicates are absorbed downstream.\n\nLimits: a POST /events body and every serialized event are at most MAX_EVENT_BYTES (default 1 MiB); a POST /events/batch body is at most MAX_EVENT_BYTES x min(MAX_BATCH_EVENTS, 16) (16 MiB by default) and holds 1 to MAX_BATCH_EVENTS (default 1000) events; request bodies held at once across all requests are at most MAX_IN_FLIGHT_BODY_BYTES (default 64 MiB), beyond which a request is answered 503 overloaded.\n\nAccepted means storable: JSON that PostgreSQL cannot store (\\u0000 in a string or member name, an unpaired surrogate escape, a number outside PostgreSQL numeric: more than 131072 digits before the decimal point, more than 16383 after it counted as written, or an exponent of magnitude 1073741823 or more) is answered 400 validation_failed with a JSON Pointer to the value, never 202.\n\nEvery response carries X-Request-ID. The Kafka record of an event goes to KAFKA_TOPIC or the first matching prefix route of KAFKA_TOPIC_ROUTES, is keyed by `key` (else `event_id`), holds the envelope with defaults filled in, and has the headers event-id, event-type, content-type and, when the request carried one, traceparent.\n\nEvent contracts: when the gateway runs with SCHEMA_DIR, each payload must also validate against the JSON Schema (draft 2020-12) published for its (event_type, event_version); under SCHEMA_POLICY=strict an event whose pair has none is refused too. The check runs after the envelope rules and before anything is produced; a violation is 400 validation_failed with a JSON Pointer into the body (/payload/..., /3/payload/... in a batch). GET /schemas lists the contracts and GET /schemas/{event_type}/{event_version} serves one, without a token."
          },
          "tags": [
            {"name": "events", "description": "Event ingest; needs the bearer token."},
            {"name": "operations", "description": "Probes, metrics and this document; no token."},
            {"name": "contracts", "description": "The event contracts (JSON Schemas of payloads) the gateway enforces; no token."}
          ],
          "paths": {
            "/events": {
              "post": {
                "tags": ["events"],
                "operationId": "postEvent",
                "summary": "Produce one event",
                "description":
                  "Checks, in this order: the bearer token (401), the Content-Type (415), the body size (413), room in the gateway's body budget MAX_IN_FLIGHT_BODY_BYTES (503 overloaded), the JSON and the envelope rules (400, or 413 when the serialized event is too large), then, when SCHEMA_DIR is set, the payload against the contract of its (event_type, event_version) (400 validation_failed). Then produces one record and waits for the broker's acknowledgement: a record larger than the broker accepts is 413, a topic the broker does not have is 500 topic_not_found, a full queue or a broker that did not acknowledge in time is 503 broker_unavailable.",
                "security": [{"bearerAuth": []}],
                "parameters": [
                  {"$ref": "#/components/parameters/traceparent"},
                  {"$ref": "#/components/parameters/X-Request-ID"}
                ],
                "requestBody": {
                  "required": true,
                  "description":
                    "One envelope. Content-Type must be application/json (parameters such as charset are allowed). At most MAX_EVENT_BYTES (default 1048576) bytes.",
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/Envelope"},
                      "examples": {
                        "minimal": {
                          "summary": "Required fields only",
                          "value": {
                            "event_id": "0b8f5e2c-3d4a-4c1b-9e7f-2a6d8c4b1e90",
                            "event_type": "task.created",
                            "timestamp": "2026-11-22T10:00:00Z",
                            "producer": "chat-api",
                            "payload": {"task_id": "T-1042", "title": "Renew the TLS certificate"}
                          }
                        },
                        "full": {
                          "summary": "Every field",
                          "value": {
                            "event_id": "5f1c9a7e-2b4d-4e8a-b6c3-9d0e1f2a3b4c",
                            "event_type": "reminder-triggered",
                            "event_version": "2",
                            "timestamp": "2026-11-22T12:00:00.250+02:00",
                            "correlation_id": "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f",
                            "producer": "reminder-worker",
                            "severity": "notice",
                            "key": "user-17",
                            "payload": {"reminder_id": 881, "user_id": 17}
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "202": {
                    "description":
                      "The broker acknowledged the record (acks=all). `partition` and `offset` locate it in `topic`.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Accepted"},
                        "examples": {
                          "accepted": {
                            "value": {
                              "event_id": "0b8f5e2c-3d4a-4c1b-9e7f-2a6d8c4b1e90",
                              "topic": "clawderpunk.events.v1",
                              "partition": 3,
                              "offset": 18211
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "description":
                      "`invalid_json`: the body is not JSON. `validation_failed`: the envelope breaks a rule, or the body is valid JSON holding a value PostgreSQL cannot store (\\u0000 in a string or member name, an unpaired surrogate escape such as \\ud800 alone, a number outside PostgreSQL numeric), or the payload breaks its event contract (checked once the envelope is valid; at most 100 violations listed, the message says when more were found; under SCHEMA_POLICY=strict an event without a contract gets a detail at /event_type); nothing is produced. `details` lists every problem, each with a JSON Pointer into the request body.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"},
                        "examples": {
                          "invalid_json": {
                            "summary": "The body is not JSON",
                            "value": {
                              "error": {
                                "code": "invalid_json",
                                "message": "the body is not valid JSON: unexpected end of input at byte 57",
                                "details": []
                              }
                            }
                          },
                          "validation_failed": {
                            "summary": "Envelope rules broken; every problem is listed",
                            "value": {
                              "error": {
                                "code": "validation_failed",
                                "message": "3 problems found; nothing was accepted",
                                "details": [
                                  {"path": "/event_id", "message": "must be a UUID (8-4-4-4-12 hexadecimal digits)"},
                                  {
                                    "path": "/timestamp",
                                    "message": "must be an RFC 3339 date-time with a zone offset, e.g. 2026-11-22T10:00:00Z"
                                  },
                                  {"path": "/colour", "message": "unknown field"}
                                ]
                              }
                            }
                          },
                          "wrong_shape": {
                            "summary": "The body is JSON but not an object",
                            "value": {
                              "error": {
                                "code": "validation_failed",
                                "message": "1 problem found; nothing was accepted",
                                "details": [{"path": "", "message": "must be a JSON object"}]
                              }
                            }
                          },
                          "not_storable": {
                            "summary": "Valid JSON that PostgreSQL cannot store",
                            "value": {
                              "error": {
                                "code": "validation_failed",
                                "message": "2 problems found; nothing was accepted",
                                "details": [
                                  {"path": "/payload/note", "message": "must not contain \\u0000 (PostgreSQL cannot store it)"},
                                  {
                                    "path": "/payload/ratio",
                                    "message": "must be a number PostgreSQL can store (at most 16383 digits after the decimal point)"
                                  }
                                ]
                              }
                            }
                          },
                          "contract_violations": {
                            "summary": "The payload breaks its event contract (task.created v1); every violation is listed",
                            "value": {
                              "error": {
                                "code": "validation_failed",
                                "message": "3 problems found against the event contracts; nothing was accepted",
                                "details": [
                                  {"path": "/payload/task_id", "message": "is required"},
                                  {"path": "/payload/priority", "message": "must be one of \"HIGH\", \"MEDIUM\", \"LOW\""},
                                  {"path": "/payload/color", "message": "is not an allowed property"}
                                ]
                              }
                            }
                          },
                          "no_contract": {
                            "summary": "SCHEMA_POLICY=strict and the event's pair has no contract",
                            "value": {
                              "error": {
                                "code": "validation_failed",
                                "message": "1 problem found against the event contracts; nothing was accepted",
                                "details": [
                                  {
                                    "path": "/event_type",
                                    "message": "has no registered schema for event_version \"1\" (SCHEMA_POLICY=strict)"
                                  }
                                ]
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {
                    "description":
                      "`payload_too_large`: the body is over MAX_EVENT_BYTES (default 1048576 bytes), or the event serialized with defaults filled in is over MAX_EVENT_BYTES (nothing is produced), or the broker refused the record as larger than it accepts for its topic (the producer's message.max.bytes or the topic's max.message.bytes). No Retry-After: the same record could never be produced.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"},
                        "examples": {
                          "body": {
                            "summary": "The body is too large",
                            "value": {
                              "error": {
                                "code": "payload_too_large",
                                "message": "the body is larger than 1048576 bytes",
                                "details": []
                              }
                            }
                          },
                          "event": {
                            "summary": "The serialized event is too large",
                            "value": {
                              "error": {
                                "code": "payload_too_large",
                                "message": "an event or the batch is over the limits",
                                "details": [
                                  {"path": "", "message": "the event is 1048601 bytes, over the limit of 1048576"}
                                ]
                              }
                            }
                          },
                          "broker_limit": {
                            "summary": "The broker refused the record as too large for its topic",
                            "value": {
                              "error": {
                                "code": "payload_too_large",
                                "message":
                                  "the record is larger than the broker accepts for topic clawderpunk.events.v1 (Broker: Message size too large)",
                                "details": []
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "500": {
                    "description":
                      "`topic_not_found`: the topic the event routes to (KAFKA_TOPIC or a KAFKA_TOPIC_ROUTES route) does not exist on the broker. Not retryable and no Retry-After: an operator must create the topic or fix the route. The producer gives up after half the delivery timeout (topic.metadata.propagation.max.ms), so this comes before a 503 would.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"},
                        "examples": {
                          "topic_not_found": {
                            "summary": "The topic is missing on the broker",
                            "value": {
                              "error": {
                                "code": "topic_not_found",
                                "message":
                                  "topic task-events does not exist on the broker; an operator must create it or fix the route",
                                "details": []
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "503": {
                    "description":
                      "`broker_unavailable`: the broker did not acknowledge in time (Retry-After: 2), or the producer queue is full (Retry-After: 1); the event may or may not have been stored. `overloaded`: the gateway already holds MAX_IN_FLIGHT_BODY_BYTES (default 64 MiB) of request bodies, so this one was not read further and nothing was produced (Retry-After: 1). Retry with the same event_id after Retry-After seconds.",
                    "headers": {
                      "X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"},
                      "Retry-After": {"$ref": "#/components/headers/Retry-After"}
                    },
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"},
                        "examples": {
                          "timeout": {
                            "summary": "No acknowledgement in time",
                            "value": {
                              "error": {
                                "code": "broker_unavailable",
                                "message":
                                  "the broker did not acknowledge in time (Local: Message timed out); retry with the same event_id",
                                "details": []
                              }
                            }
                          },
                          "queue_full": {
                            "summary": "The producer queue is full",
                            "value": {
                              "error": {
                                "code": "broker_unavailable",
                                "message": "the producer queue is full; retry later with the same event_id",
                                "details": []
                              }
                            }
                          },
                          "overloaded": {
                            "summary": "The gateway holds its limit of request bodies (Retry-After: 1)",
                            "value": {
                              "error": {
                                "code": "overloaded",
                                "message": "the gateway is holding its limit of 67108864 bytes of request bodies; retry shortly",
                                "details": []
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/events/batch": {
              "post": {
                "tags": ["events"],
                "operationId": "postEventBatch",
                "summary": "Produce a batch of events",
                "description":
                  "Validates every item first: a batch with any invalid item is rejected whole and nothing of it is produced. Then produces one record per event, in input order, and waits for every acknowledgement. Events with the same key keep their input order within their partition.",
                "security": [{"bearerAuth": []}],
                "parameters": [
                  {"$ref": "#/components/parameters/traceparent"},
                  {"$ref": "#/components/parameters/X-Request-ID"}
                ],
                "requestBody": {
                  "required": true,
                  "description":
                    "A JSON array of 1 to MAX_BATCH_EVENTS (default 1000) envelopes. Content-Type must be application/json. The body is at most MAX_EVENT_BYTES x min(MAX_BATCH_EVENTS, 16) bytes (16 MiB by default); each event serialized is at most MAX_EVENT_BYTES.",
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/EventBatch"},
                      "examples": {
                        "two_events": {
                          "summary": "Two events",
                          "value": [
                            {
                              "event_id": "0b8f5e2c-3d4a-4c1b-9e7f-2a6d8c4b1e90",
                              "event_type": "task.created",
                              "timestamp": "2026-11-22T10:00:00Z",
                              "producer": "chat-api",
                              "payload": {"task_id": "T-1042", "title": "Renew the TLS certificate"}
                            },
                            {
                              "event_id": "5f1c9a7e-2b4d-4e8a-b6c3-9d0e1f2a3b4c",
                              "event_type": "reminder-triggered",
                              "event_version": "2",
                              "timestamp": "2026-11-22T12:00:00.250+02:00",
                              "correlation_id": "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f",
                              "producer": "reminder-worker",
                              "severity": "notice",
                              "key": "user-17",
                              "payload": {"reminder_id": 881, "user_id": 17}
                            }
                          ]
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "202": {
                    "description": "Every event was acknowledged by the broker (acks=all). `results` is in input order.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/BatchAccepted"},
                        "examples": {
                          "accepted": {
                            "value": {
                              "accepted": 2,
                              "results": [
                                {
                                  "event_id": "0b8f5e2c-3d4a-4c1b-9e7f-2a6d8c4b1e90",
                                  "topic": "clawderpunk.events.v1",
                                  "partition": 3,
                                  "offset": 18212,
                                  "status": "accepted"
                                },
                                {
                                  "event_id": "5f1c9a7e-2b4d-4e8a-b6c3-9d0e1f2a3b4c",
                                  "topic": "clawderpunk.events.v1",
                                  "partition": 0,
                                  "offset": 7730,
                                  "status": "accepted"
                                }
                              ]
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "description":
                      "`invalid_json`: the body is not JSON. `validation_failed`: an item breaks an envelope rule or holds a value PostgreSQL cannot store (\\u0000 in a string or member name, an unpaired surrogate escape, a number outside PostgreSQL numeric), or an item's payload breaks its event contract (checked once every envelope is valid; at most 100 violations listed across the batch, the message says when more were found); the whole batch is rejected and nothing of it is produced. `details` lists every problem, each with a JSON Pointer into the request body.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"},
                        "examples": {
                          "invalid_json": {
                            "summary": "The body is not JSON",
                            "value": {
                              "error": {
                                "code": "invalid_json",
                                "message": "the body is not valid JSON: unexpected end of input at byte 57",
                                "details": []
                              }
                            }
                          },
                          "validation_failed": {
                            "summary": "Envelope rules broken; every problem is listed",
                            "value": {
                              "error": {
                                "code": "validation_failed",
                                "message": "3 problems found; nothing was accepted",
                                "details": [
                                  {
                                    "path": "/1/timestamp",
                                    "message": "must be an RFC 3339 date-time with a zone offset, e.g. 2026-11-22T10:00:00Z"
                                  },
                                  {"path": "/3/event_id", "message": "must be a UUID (8-4-4-4-12 hexadecimal digits)"},
                                  {"path": "/3/colour", "message": "unknown field"}
                                ]
                              }
                            }
                          },
                          "wrong_shape": {
                            "summary": "The body is JSON but not an array of events",
                            "value": {
                              "error": {
                                "code": "validation_failed",
                                "message": "1 problem found; nothing was accepted",
                                "details": [{"path": "", "message": "must be a JSON array of events"}]
                              }
                            }
                          },
                          "empty_batch": {
                            "summary": "An empty array",
                            "value": {
                              "error": {
                                "code": "validation_failed",
                                "message": "1 problem found; nothing was accepted",
                                "details": [{"path": "", "message": "a batch needs at least one event"}]
                              }
                            }
                          },
                          "not_storable": {
                            "summary": "An item holds JSON that PostgreSQL cannot store",
                            "value": {
                              "error": {
                                "code": "validation_failed",
                                "message": "1 problem found; nothing was accepted",
                                "details": [
                                  {"path": "/3/payload/title", "message": "must not contain \\u0000 (PostgreSQL cannot store it)"}
                                ]
                              }
                            }
                          },
                          "contract_violations": {
                            "summary": "Item payloads break their event contracts; the whole batch is refused",
                            "value": {
                              "error": {
                                "code": "validation_failed",
                                "message": "2 problems found against the event contracts; nothing was accepted",
                                "details": [
                                  {"path": "/1/payload/priority", "message": "must be one of \"HIGH\", \"MEDIUM\", \"LOW\""},
                                  {"path": "/3/payload/title", "message": "must be a string, not a number"}
                                ]
                              }
                            }
                          },
                          "too_many_violations": {
                            "summary": "More than 100 violations: the first 100 are listed (shortened here)",
                            "value": {
                              "error": {
                                "code": "validation_failed",
                                "message": "more than 100 problems (the first 100 listed) found against the event contracts; nothing was accepted",
                                "details": [
                                  {"path": "/0/payload/tags/0", "message": "must be a string, not a number"},
                                  {"path": "/0/payload/tags/1", "message": "must be a string, not a number"}
                                ]
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {
                    "description":
                      "`payload_too_large`: the body is over MAX_EVENT_BYTES x min(MAX_BATCH_EVENTS, 16) bytes (16 MiB by default), the batch holds more than MAX_BATCH_EVENTS events, or an event serialized with defaults filled in is over MAX_EVENT_BYTES. When any problem is a size limit the answer is 413 and `details` also lists the other problems; nothing is produced. Also 413, with `accepted` and `results` (BatchUnavailable), when the broker refused a record as larger than it accepts for its topic (the producer's message.max.bytes or the topic's max.message.bytes) and no item failed in a retryable way. No Retry-After.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"anyOf": [{"$ref": "#/components/schemas/Error"}, {"$ref": "#/components/schemas/BatchUnavailable"}]},
                        "examples": {
                          "body": {
                            "summary": "The body is too large",
                            "value": {
                              "error": {
                                "code": "payload_too_large",
                                "message": "the body is larger than 16777216 bytes",
                                "details": []
                              }
                            }
                          },
                          "too_many_events": {
                            "summary": "More than MAX_BATCH_EVENTS events",
                            "value": {
                              "error": {
                                "code": "payload_too_large",
                                "message": "an event or the batch is over the limits",
                                "details": [{"path": "", "message": "a batch holds at most 1000 events, this one has 1200"}]
                              }
                            }
                          },
                          "event": {
                            "summary": "One event is too large",
                            "value": {
                              "error": {
                                "code": "payload_too_large",
                                "message": "an event or the batch is over the limits",
                                "details": [
                                  {"path": "/4", "message": "the event is 1100342 bytes, over the limit of 1048576"}
                                ]
                              }
                            }
                          },
                          "broker_limit": {
                            "summary": "The broker refused one record as too large; the other was accepted",
                            "value": {
                              "error": {
                                "code": "payload_too_large",
                                "message":
                                  "the record is larger than the broker accepts for topic clawderpunk.events.v1 (Broker: Message size too large)",
                                "details": []
                              },
                              "accepted": 1,
                              "results": [
                                {
                                  "event_id": "0b8f5e2c-3d4a-4c1b-9e7f-2a6d8c4b1e90",
                                  "topic": "clawderpunk.events.v1",
                                  "partition": 3,
                                  "offset": 18214,
                                  "status": "accepted"
                                },
                                {
                                  "event_id": "5f1c9a7e-2b4d-4e8a-b6c3-9d0e1f2a3b4c",
                                  "status": "failed",
                                  "error": "Broker: Message size too large"
                                }
                              ]
                            }
                          }
                        }
                      }
                    }
                  },
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "500": {
                    "description":
                      "`topic_not_found`: an event routes to a topic (KAFKA_TOPIC or a KAFKA_TOPIC_ROUTES route) that does not exist on the broker, and no item failed in a retryable way. `results` says per item, in input order, which were accepted. Not retryable and no Retry-After: an operator must create the topic or fix the route.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/BatchUnavailable"},
                        "examples": {
                          "topic_not_found": {
                            "summary": "One event routes to a missing topic",
                            "value": {
                              "error": {
                                "code": "topic_not_found",
                                "message":
                                  "topic task-events does not exist on the broker; an operator must create it or fix the route",
                                "details": []
                              },
                              "accepted": 1,
                              "results": [
                                {
                                  "event_id": "0b8f5e2c-3d4a-4c1b-9e7f-2a6d8c4b1e90",
                                  "status": "failed",
                                  "error": "Broker: Unknown topic or partition"
                                },
                                {
                                  "event_id": "5f1c9a7e-2b4d-4e8a-b6c3-9d0e1f2a3b4c",
                                  "topic": "clawderpunk.events.v1",
                                  "partition": 0,
                                  "offset": 7731,
                                  "status": "accepted"
                                }
                              ]
                            }
                          }
                        }
                      }
                    }
                  },
                  "503": {
                    "description":
                      "`broker_unavailable`: at least one event was not acknowledged in time (Retry-After: 2), or the producer queue was full (Retry-After: 1). This answer wins over 413 and 500 when items failed in different ways, since retrying can help. `results` says per item, in input order, which were accepted; failed items may or may not have been stored. Retry the failed items (or the whole batch) with the same event_ids after Retry-After seconds. `overloaded`: the gateway already holds MAX_IN_FLIGHT_BODY_BYTES (default 64 MiB) of request bodies, so the body was not read further and nothing was produced; the answer is a plain error without `results` (Retry-After: 1).",
                    "headers": {
                      "X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"},
                      "Retry-After": {"$ref": "#/components/headers/Retry-After"}
                    },
                    "content": {
                      "application/json": {
                        "schema": {"anyOf": [{"$ref": "#/components/schemas/BatchUnavailable"}, {"$ref": "#/components/schemas/Error"}]},
                        "examples": {
                          "partly_accepted": {
                            "summary": "One of two events was acknowledged",
                            "value": {
                              "error": {
                                "code": "broker_unavailable",
                                "message":
                                  "the broker did not acknowledge in time (Local: Message timed out); retry with the same event_id",
                                "details": []
                              },
                              "accepted": 1,
                              "results": [
                                {
                                  "event_id": "0b8f5e2c-3d4a-4c1b-9e7f-2a6d8c4b1e90",
                                  "topic": "clawderpunk.events.v1",
                                  "partition": 3,
                                  "offset": 18213,
                                  "status": "accepted"
                                },
                                {
                                  "event_id": "5f1c9a7e-2b4d-4e8a-b6c3-9d0e1f2a3b4c",
                                  "status": "failed",
                                  "error": "Local: Message timed out"
                                }
                              ]
                            }
                          },
                          "overloaded": {
                            "summary": "The gateway holds its limit of request bodies (Retry-After: 1); nothing was produced",
                            "value": {
                              "error": {
                                "code": "overloaded",
                                "message": "the gateway is holding its limit of 67108864 bytes of request bodies; retry shortly",
                                "details": []
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/health": {
              "get": {
                "tags": ["operations"],
                "operationId": "getHealth",
                "summary": "Liveness and broker reachability",
                "description": "Asks the broker for metadata (2 s timeout); the answer is cached for 1 s after it came. The route answers within 1.5 s even when the broker hangs: a check that takes longer is reported as `timed out after 1.5 seconds` (503) and goes on in the background; at most one check runs at a time.",
                "security": [],
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "The broker is reachable.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Health"},
                        "examples": {"ok": {"value": {"status": "ok", "kafka": "ok"}}}
                      }
                    }
                  },
                  "503": {
                    "description": "The broker is unreachable or the check timed out; `kafka` says why.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Health"},
                        "examples": {
                          "unavailable": {
                            "value": {
                              "status": "unavailable",
                              "kafka": "unreachable: _TRANSPORT (-195): metadata request: Local: Broker transport failure"
                            }
                          },
                          "timed_out": {
                            "summary": "The check took longer than 1.5 s",
                            "value": {"status": "unavailable", "kafka": "timed out after 1.5 seconds"}
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/ready": {
              "get": {
                "tags": ["operations"],
                "operationId": "getReady",
                "summary": "Readiness to accept events",
                "description": "200 once the HTTP server runs; 503 before that and as soon as graceful shutdown begins.",
                "security": [],
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "The gateway accepts events.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Readiness"},
                        "examples": {"ready": {"value": {"status": "ready"}}}
                      }
                    }
                  },
                  "503": {
                    "description": "The gateway is starting or draining.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Readiness"},
                        "examples": {
                          "starting": {"summary": "Not yet serving", "value": {"status": "starting"}},
                          "draining": {"summary": "Graceful shutdown in progress", "value": {"status": "draining"}}
                        }
                      }
                    }
                  }
                }
              }
            },
            "/live": {
              "get": {
                "tags": ["operations"],
                "operationId": "getLive",
                "summary": "Liveness of the process",
                "description": "200 while the process serves requests. It never depends on Kafka or PostgreSQL, so an outage of either does not restart the process; point liveness probes here and readiness probes at /ready.",
                "security": [],
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "The process is working.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": ["status"],
                          "properties": {"status": {"const": "alive"}},
                          "additionalProperties": false
                        },
                        "examples": {"alive": {"value": {"status": "alive"}}}
                      }
                    }
                  }
                }
              }
            },
            "/metrics": {
              "get": {
                "tags": ["operations"],
                "operationId": "getMetrics",
                "summary": "Prometheus metrics",
                "security": [],
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "Prometheus text exposition format (Content-Type: text/plain; version=0.0.4).",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "text/plain": {
                        "schema": {"type": "string"},
                        "examples": {
                          "scrape": {
                            "value":
                              "# HELP punk_gateway_events_accepted_total Events acknowledged by the broker\n# TYPE punk_gateway_events_accepted_total counter\npunk_gateway_events_accepted_total 18214\n"
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "tags": ["operations"],
                "operationId": "getOpenAPIDocument",
                "summary": "This document",
                "security": [],
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "The gateway's API as OpenAPI 3.1.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {"application/json": {"schema": {"type": "object"}}}
                  }
                }
              }
            },
            "/schemas": {
              "get": {
                "tags": ["contracts"],
                "operationId": "listSchemas",
                "summary": "The registered event contracts",
                "description":
                  "Lists the (event_type, event_version) pairs that have a contract in SCHEMA_DIR, sorted by event type and then version, with the policy in force. Without SCHEMA_DIR: enabled false, no policy, an empty list.",
                "security": [],
                "parameters": [{"$ref": "#/components/parameters/X-Request-ID"}],
                "responses": {
                  "200": {
                    "description": "The registered contracts.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/SchemaList"},
                        "examples": {
                          "registered": {
                            "summary": "SCHEMA_DIR set, SCHEMA_POLICY=registered (shortened)",
                            "value": {
                              "enabled": true,
                              "policy": "registered",
                              "schemas": [
                                {"event_type": "reminder.scheduled", "event_version": "v1", "href": "/schemas/reminder.scheduled/v1"},
                                {"event_type": "task.created", "event_version": "1.0", "href": "/schemas/task.created/1.0"},
                                {"event_type": "task.created", "event_version": "v1", "href": "/schemas/task.created/v1"}
                              ]
                            }
                          },
                          "disabled": {
                            "summary": "SCHEMA_DIR unset",
                            "value": {"enabled": false, "schemas": []}
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/schemas/{event_type}/{event_version}": {
              "get": {
                "tags": ["contracts"],
                "operationId": "getSchema",
                "summary": "One event contract, as published",
                "description":
                  "The JSON Schema (draft 2020-12) of the payload of one (event_type, event_version), byte for byte as the file SCHEMA_DIR/<event_type>/<event_version>.json.",
                "security": [],
                "parameters": [
                  {
                    "name": "event_type",
                    "in": "path",
                    "required": true,
                    "description": "The envelope's event_type.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[a-z][a-z0-9]*([._-][a-z0-9]+)*$"},
                    "example": "task.created"
                  },
                  {
                    "name": "event_version",
                    "in": "path",
                    "required": true,
                    "description": "The envelope's event_version, matched exactly (1, 1.0 and v1 differ).",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 32},
                    "example": "v1"
                  },
                  {"$ref": "#/components/parameters/X-Request-ID"}
                ],
                "responses": {
                  "200": {
                    "description": "The contract, as published.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/schema+json": {
                        "schema": {"type": ["object", "boolean"]},
                        "examples": {
                          "contract": {
                            "summary": "A small contract",
                            "value": {
                              "$schema": "https://json-schema.org/draft/2020-12/schema",
                              "title": "task.deleted v1",
                              "type": "object",
                              "required": ["task_id"],
                              "properties": {"task_id": {"type": "string", "minLength": 1}}
                            }
                          }
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "`not_found`: no contract is registered for this pair, or the gateway runs without SCHEMA_DIR.",
                    "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"},
                        "examples": {
                          "not_found": {
                            "value": {
                              "error": {
                                "code": "not_found",
                                "message": "no schema is registered for task.created version v9",
                                "details": []
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description":
                  "`Authorization: Bearer <PUNK_RECORDS_API_TOKEN>`, compared in constant time. Needed on /events and /events/batch only."
              }
            },
            "parameters": {
              "traceparent": {
                "name": "traceparent",
                "in": "header",
                "required": false,
                "description":
                  "W3C Trace Context. When present, copied unchanged into the `traceparent` header of every Kafka record this request produces.",
                "schema": {"type": "string"},
                "example": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
              },
              "X-Request-ID": {
                "name": "X-Request-ID",
                "in": "header",
                "required": false,
                "description":
                  "Request id, logged as request_id and echoed in the response. When absent or longer than 128 characters, the gateway generates one.",
                "schema": {"type": "string"},
                "example": "req-7f3a9c"
              }
            },
            "headers": {
              "X-Request-ID": {
                "description": "The request's X-Request-ID, or the one the gateway generated.",
                "required": true,
                "schema": {"type": "string"}
              },
              "Retry-After": {
                "description":
                  "Seconds to wait before retrying with the same event_id: 1 when the producer queue was full or the gateway was overloaded, 2 when the broker did not acknowledge in time. Only on 503: a 413 or 500 is not retryable.",
                "required": true,
                "schema": {"type": "integer", "minimum": 1},
                "example": 2
              },
              "WWW-Authenticate": {
                "description": "The bearer challenge.",
                "required": true,
                "schema": {"type": "string"},
                "example": "Bearer realm=\"punk-records\""
              }
            },
            "responses": {
              "Unauthorized": {
                "description": "`unauthorized`: the bearer token is missing or wrong.",
                "headers": {
                  "WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"},
                  "X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}
                },
                "content": {
                  "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"},
                    "examples": {
                      "unauthorized": {
                        "value": {
                          "error": {"code": "unauthorized", "message": "a valid bearer token is required", "details": []}
                        }
                      }
                    }
                  }
                }
              },
              "UnsupportedMediaType": {
                "description": "`unsupported_media_type`: Content-Type is absent or not application/json.",
                "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}},
                "content": {
                  "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"},
                    "examples": {
                      "unsupported_media_type": {
                        "value": {
                          "error": {
                            "code": "unsupported_media_type",
                            "message": "Content-Type must be application/json, not text/plain",
                            "details": []
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "schemas": {
              "Envelope": {
                "title": "Event envelope, version 1",
                "description":
                  "Unknown and duplicate fields are rejected. Optional fields may be absent or null. Serialized with defaults filled in, an event is at most MAX_EVENT_BYTES (default 1048576) bytes.",
                "type": "object",
                "additionalProperties": false,
                "required": ["event_id", "event_type", "timestamp", "producer", "payload"],
                "properties": {
                  "event_id": {
                    "type": "string",
                    "format": "uuid",
                    "description": "Any UUID version; the idempotency key end to end."
                  },
                  "event_type": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "pattern": "^[a-z][a-z0-9]*([._-][a-z0-9]+)*$",
                    "examples": ["task.created", "reminder-triggered"]
                  },
                  "event_version": {"type": ["string", "null"], "minLength": 1, "maxLength": 32, "default": "1"},
                  "timestamp": {
                    "type": "string",
                    "format": "date-time",
                    "description": "RFC 3339 with a zone offset (Z or +hh:mm/-hh:mm); fractions allowed. Kept as written.",
                    "examples": ["2026-11-22T10:00:00Z", "2026-11-22T12:00:00.250+02:00"]
                  },
                  "correlation_id": {"type": ["string", "null"], "format": "uuid"},
                  "producer": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "description": "The emitting service.",
                    "examples": ["chat-api", "reminder-worker"]
                  },
                  "severity": {
                    "type": ["string", "null"],
                    "enum": ["debug", "info", "notice", "warning", "error", "critical", null],
                    "default": "info"
                  },
                  "key": {
                    "type": ["string", "null"],
                    "minLength": 1,
                    "maxLength": 256,
                    "description": "The Kafka partition key (per-entity ordering). Default: event_id."
                  },
                  "payload": {"type": "object", "description": "Any JSON object, stored as received."}
                }
              },
              "EventBatch": {
                "description":
                  "1 to MAX_BATCH_EVENTS envelopes (maxItems shows the default, 1000). More than MAX_BATCH_EVENTS is answered 413; an empty array 400.",
                "type": "array",
                "minItems": 1,
                "maxItems": 1000,
                "items": {"$ref": "#/components/schemas/Envelope"}
              },
              "Accepted": {
                "description": "Where the broker stored the event.",
                "type": "object",
                "required": ["event_id", "topic", "partition", "offset"],
                "properties": {
                  "event_id": {"type": "string", "format": "uuid", "description": "Lowercase."},
                  "topic": {"type": "string"},
                  "partition": {"type": "integer", "format": "int32", "minimum": 0},
                  "offset": {"type": "integer", "format": "int64", "minimum": 0}
                }
              },
              "BatchItemAccepted": {
                "type": "object",
                "required": ["event_id", "topic", "partition", "offset", "status"],
                "properties": {
                  "event_id": {"type": "string", "format": "uuid"},
                  "topic": {"type": "string"},
                  "partition": {"type": "integer", "format": "int32", "minimum": 0},
                  "offset": {"type": "integer", "format": "int64", "minimum": 0},
                  "status": {"type": "string", "enum": ["accepted"]}
                }
              },
              "BatchItemFailed": {
                "type": "object",
                "required": ["event_id", "status", "error"],
                "properties": {
                  "event_id": {"type": "string", "format": "uuid"},
                  "status": {"type": "string", "enum": ["failed"]},
                  "error": {"type": "string", "description": "The producer's error for this item, e.g. Local: Message timed out, Broker: Message size too large, Broker: Unknown topic or partition."}
                }
              },
              "BatchAccepted": {
                "type": "object",
                "required": ["accepted", "results"],
                "properties": {
                  "accepted": {"type": "integer", "minimum": 1, "description": "The number of events."},
                  "results": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/BatchItemAccepted"},
                    "description": "One per event, in input order."
                  }
                }
              },
              "BatchUnavailable": {
                "description":
                  "The answer of a batch whose records could not all be produced (413 payload_too_large, 500 topic_not_found or 503 broker_unavailable): the error of a retryable failure if any item has one, else of the first failure, and every item's outcome.",
                "type": "object",
                "required": ["error", "accepted", "results"],
                "properties": {
                  "error": {"$ref": "#/components/schemas/ErrorBody"},
                  "accepted": {"type": "integer", "minimum": 0, "description": "How many events the broker acknowledged."},
                  "results": {
                    "type": "array",
                    "description": "One per event, in input order.",
                    "items": {
                      "oneOf": [
                        {"$ref": "#/components/schemas/BatchItemAccepted"},
                        {"$ref": "#/components/schemas/BatchItemFailed"}
                      ]
                    }
                  }
                }
              },
              "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}}
              },
              "ErrorBody": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                  "code": {
                    "type": "string",
                    "enum": [
                      "invalid_json",
                      "validation_failed",
                      "unauthorized",
                      "payload_too_large",
                      "unsupported_media_type",
                      "topic_not_found",
                      "broker_unavailable",
                      "overloaded",
                      "not_found"
                    ]
                  },
                  "message": {"type": "string", "description": "For people; do not parse."},
                  "details": {
                    "type": "array",
                    "description": "Every problem found; empty when the error is not about the body's content.",
                    "items": {"$ref": "#/components/schemas/ErrorDetail"}
                  }
                }
              },
              "ErrorDetail": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {
                  "path": {
                    "type": "string",
                    "description":
                      "JSON Pointer (RFC 6901) into the request body; \"\" is the whole body. In a batch it starts with the item index, e.g. /3/timestamp.",
                    "examples": ["/event_id", "/3/timestamp", ""]
                  },
                  "message": {"type": "string"}
                }
              },
              "SchemaList": {
                "type": "object",
                "required": ["enabled", "schemas"],
                "properties": {
                  "enabled": {"type": "boolean", "description": "Whether SCHEMA_DIR is set."},
                  "policy": {
                    "type": "string",
                    "enum": ["registered", "strict"],
                    "description": "SCHEMA_POLICY; absent when enabled is false."
                  },
                  "schemas": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["event_type", "event_version", "href"],
                      "properties": {
                        "event_type": {"type": "string"},
                        "event_version": {"type": "string"},
                        "href": {"type": "string", "description": "Where the document is served: /schemas/{event_type}/{event_version}."}
                      }
                    }
                  }
                }
              },
              "Health": {
                "type": "object",
                "required": ["status", "kafka"],
                "properties": {
                  "status": {"type": "string", "enum": ["ok", "unavailable"]},
                  "kafka": {"type": "string", "description": "\"ok\", why the broker is unreachable, or \"timed out after 1.5 seconds\"."}
                }
              },
              "Readiness": {
                "type": "object",
                "required": ["status"],
                "properties": {"status": {"type": "string", "enum": ["ready", "starting", "draining"]}}
              }
            }
          }
        }
        """#
}
