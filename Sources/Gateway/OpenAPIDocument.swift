/// The gateway's API as OpenAPI 3.1, served at `GET /openapi.json`.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Punk Records gateway",
            "version": "1.0.0",
            "description":
              "Stateless HTTP ingest of Punk Records. The gateway validates event envelopes, produces them to Kafka and answers 202 only after the broker acknowledged the record with acks=all (idempotent producer). Retrying with the same event_id is always safe: duplicates are absorbed downstream.\n\nLimits: a POST /events body and every serialized event are at most MAX_EVENT_BYTES (default 1 MiB); a POST /events/batch body is at most MAX_EVENT_BYTES x min(MAX_BATCH_EVENTS, 16) (16 MiB by default) and holds 1 to MAX_BATCH_EVENTS (default 1000) events.\n\nEvery response carries X-Request-ID. The Kafka record of an event goes to KAFKA_TOPIC or the first matching prefix route of KAFKA_TOPIC_ROUTES, is keyed by `key` (else `event_id`), holds the envelope with defaults filled in, and has the headers event-id, event-type, content-type and, when the request carried one, traceparent."
          },
          "tags": [
            {"name": "events", "description": "Event ingest; needs the bearer token."},
            {"name": "operations", "description": "Probes, metrics and this document; no token."}
          ],
          "paths": {
            "/events": {
              "post": {
                "tags": ["events"],
                "operationId": "postEvent",
                "summary": "Produce one event",
                "description":
                  "Checks, in this order: the bearer token (401), the Content-Type (415), the body size (413), the JSON and the envelope rules (400, or 413 when the serialized event is too large). Then produces one record and waits for the broker's acknowledgement.",
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
                      "`invalid_json`: the body is not JSON. `validation_failed`: the envelope breaks a rule; nothing is produced. `details` lists every problem, each with a JSON Pointer into the request body.",
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
                          }
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {
                    "description":
                      "`payload_too_large`: the body is over MAX_EVENT_BYTES (default 1048576 bytes), or the event serialized with defaults filled in is over MAX_EVENT_BYTES. Nothing is produced.",
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
                          }
                        }
                      }
                    }
                  },
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "503": {
                    "description":
                      "`broker_unavailable`: the broker did not acknowledge in time, or the producer queue is full. The event may or may not have been stored; retry with the same event_id after Retry-After seconds.",
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
                      "`invalid_json`: the body is not JSON. `validation_failed`: an item breaks an envelope rule; the whole batch is rejected and nothing of it is produced. `details` lists every problem, each with a JSON Pointer into the request body.",
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
                          }
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {
                    "description":
                      "`payload_too_large`: the body is over MAX_EVENT_BYTES x min(MAX_BATCH_EVENTS, 16) bytes (16 MiB by default), the batch holds more than MAX_BATCH_EVENTS events, or an event serialized with defaults filled in is over MAX_EVENT_BYTES. When any problem is a size limit the answer is 413 and `details` also lists the other problems; nothing is produced.",
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
                          }
                        }
                      }
                    }
                  },
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "503": {
                    "description":
                      "`broker_unavailable`: at least one event was not acknowledged in time, or the producer queue was full. `results` says per item, in input order, which were accepted; failed items may or may not have been stored. Retry the failed items (or the whole batch) with the same event_ids after Retry-After seconds.",
                    "headers": {
                      "X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"},
                      "Retry-After": {"$ref": "#/components/headers/Retry-After"}
                    },
                    "content": {
                      "application/json": {
                        "schema": {"$ref": "#/components/schemas/BatchUnavailable"},
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
                "description": "Asks the broker for metadata (2 s timeout); the answer is cached for 1 s.",
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
                    "description": "The broker is unreachable; `kafka` says why.",
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
                  "Seconds to wait before retrying with the same event_id: 1 when the producer queue was full, else 2 (the broker did not acknowledge in time).",
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
                  "error": {"type": "string", "description": "The producer's error for this item."}
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
                      "broker_unavailable"
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
              "Health": {
                "type": "object",
                "required": ["status", "kafka"],
                "properties": {
                  "status": {"type": "string", "enum": ["ok", "unavailable"]},
                  "kafka": {"type": "string", "description": "\"ok\", or why the broker is unreachable."}
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
