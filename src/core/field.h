/*
 * field.h - the field dictionary: every field name interned into an id.
 *
 * Names follow the Elastic Common Schema (ECS). The ECS fields vigil knows
 * have fixed ids (enum field_id) and a type, so hot paths compare integers,
 * not strings. Any other name (a decoder's original field, a flattened JSON
 * path) gets an id on first sight that lasts for the process. Ids are not
 * stable across processes: persist names, not ids.
 *
 * Thread-safety: field_intern() may be called from any thread; field_name()
 * and field_type() are lock-free reads of append-only storage.
 */
#ifndef VIGIL_CORE_FIELD_H
#define VIGIL_CORE_FIELD_H

#include "base/str.h"

#include <stdint.h>

enum field_type {
    FIELD_KEYWORD, /* exact-match string */
    FIELD_TEXT,    /* free text, tokenised for full-text search */
    FIELD_LONG,
    FIELD_DOUBLE,
    FIELD_BOOL,
    FIELD_IP,
    FIELD_DATE,
    FIELD_UNKNOWN, /* dynamic field: type taken from its values */
};

/* X(enum name, ECS name, type) */
#define FIELD_TABLE(X)                                                                             \
    X(F_TIMESTAMP, "@timestamp", FIELD_DATE)                                                       \
    X(F_MESSAGE, "message", FIELD_TEXT)                                                            \
    X(F_EVENT_CODE, "event.code", FIELD_KEYWORD)                                                   \
    X(F_EVENT_ACTION, "event.action", FIELD_KEYWORD)                                               \
    X(F_EVENT_CATEGORY, "event.category", FIELD_KEYWORD)                                           \
    X(F_EVENT_OUTCOME, "event.outcome", FIELD_KEYWORD)                                             \
    X(F_EVENT_PROVIDER, "event.provider", FIELD_KEYWORD)                                           \
    X(F_EVENT_SEVERITY, "event.severity", FIELD_LONG)                                              \
    X(F_EVENT_CREATED, "event.created", FIELD_DATE)                                                \
    X(F_EVENT_DATASET, "event.dataset", FIELD_KEYWORD)                                             \
    X(F_EVENT_MODULE, "event.module", FIELD_KEYWORD)                                               \
    X(F_EVENT_ID, "event.id", FIELD_KEYWORD)                                                       \
    X(F_EVENT_KIND, "event.kind", FIELD_KEYWORD)                                                   \
    X(F_EVENT_DURATION, "event.duration", FIELD_LONG)                                              \
    X(F_HOST_NAME, "host.name", FIELD_KEYWORD)                                                     \
    X(F_HOST_HOSTNAME, "host.hostname", FIELD_KEYWORD)                                             \
    X(F_HOST_IP, "host.ip", FIELD_IP)                                                              \
    X(F_LOG_LEVEL, "log.level", FIELD_KEYWORD)                                                     \
    X(F_LOG_LOGGER, "log.logger", FIELD_KEYWORD)                                                   \
    X(F_SYSLOG_FACILITY_CODE, "log.syslog.facility.code", FIELD_LONG)                              \
    X(F_SYSLOG_FACILITY_NAME, "log.syslog.facility.name", FIELD_KEYWORD)                           \
    X(F_SYSLOG_SEVERITY_CODE, "log.syslog.severity.code", FIELD_LONG)                              \
    X(F_SYSLOG_SEVERITY_NAME, "log.syslog.severity.name", FIELD_KEYWORD)                           \
    X(F_SYSLOG_PRIORITY, "log.syslog.priority", FIELD_LONG)                                        \
    X(F_SYSLOG_APPNAME, "log.syslog.appname", FIELD_KEYWORD)                                       \
    X(F_SYSLOG_PROCID, "log.syslog.procid", FIELD_KEYWORD)                                         \
    X(F_SYSLOG_MSGID, "log.syslog.msgid", FIELD_KEYWORD)                                           \
    X(F_SYSLOG_VERSION, "log.syslog.version", FIELD_KEYWORD)                                       \
    X(F_SOURCE_IP, "source.ip", FIELD_IP)                                                          \
    X(F_SOURCE_PORT, "source.port", FIELD_LONG)                                                    \
    X(F_SOURCE_ADDRESS, "source.address", FIELD_KEYWORD)                                           \
    X(F_DESTINATION_IP, "destination.ip", FIELD_IP)                                                \
    X(F_DESTINATION_PORT, "destination.port", FIELD_LONG)                                          \
    X(F_DESTINATION_ADDRESS, "destination.address", FIELD_KEYWORD)                                 \
    X(F_NETWORK_PROTOCOL, "network.protocol", FIELD_KEYWORD)                                       \
    X(F_NETWORK_TRANSPORT, "network.transport", FIELD_KEYWORD)                                     \
    X(F_USER_NAME, "user.name", FIELD_KEYWORD)                                                     \
    X(F_USER_DOMAIN, "user.domain", FIELD_KEYWORD)                                                 \
    X(F_USER_ID, "user.id", FIELD_KEYWORD)                                                         \
    X(F_USER_TARGET_NAME, "user.target.name", FIELD_KEYWORD)                                       \
    X(F_PROCESS_NAME, "process.name", FIELD_KEYWORD)                                               \
    X(F_PROCESS_PID, "process.pid", FIELD_LONG)                                                    \
    X(F_PROCESS_EXECUTABLE, "process.executable", FIELD_KEYWORD)                                   \
    X(F_PROCESS_COMMAND_LINE, "process.command_line", FIELD_KEYWORD)                               \
    X(F_PROCESS_PARENT_EXECUTABLE, "process.parent.executable", FIELD_KEYWORD)                     \
    X(F_PROCESS_PARENT_COMMAND_LINE, "process.parent.command_line", FIELD_KEYWORD)                 \
    X(F_PROCESS_PARENT_PID, "process.parent.pid", FIELD_LONG)                                      \
    X(F_FILE_PATH, "file.path", FIELD_KEYWORD)                                                     \
    X(F_FILE_HASH_SHA256, "file.hash.sha256", FIELD_KEYWORD)                                       \
    X(F_REGISTRY_PATH, "registry.path", FIELD_KEYWORD)                                             \
    X(F_URL_ORIGINAL, "url.original", FIELD_KEYWORD)                                               \
    X(F_URL_PATH, "url.path", FIELD_KEYWORD)                                                       \
    X(F_URL_QUERY, "url.query", FIELD_KEYWORD)                                                     \
    X(F_HTTP_REQUEST_METHOD, "http.request.method", FIELD_KEYWORD)                                 \
    X(F_HTTP_REQUEST_REFERRER, "http.request.referrer", FIELD_KEYWORD)                             \
    X(F_HTTP_RESPONSE_STATUS_CODE, "http.response.status_code", FIELD_LONG)                        \
    X(F_HTTP_RESPONSE_BODY_BYTES, "http.response.body.bytes", FIELD_LONG)                          \
    X(F_HTTP_VERSION, "http.version", FIELD_KEYWORD)                                               \
    X(F_USER_AGENT_ORIGINAL, "user_agent.original", FIELD_KEYWORD)                                 \
    X(F_OBSERVER_VENDOR, "observer.vendor", FIELD_KEYWORD)                                         \
    X(F_OBSERVER_PRODUCT, "observer.product", FIELD_KEYWORD)                                       \
    X(F_OBSERVER_VERSION, "observer.version", FIELD_KEYWORD)                                       \
    X(F_RULE_NAME, "rule.name", FIELD_KEYWORD)                                                     \
    X(F_WINLOG_CHANNEL, "winlog.channel", FIELD_KEYWORD)                                           \
    X(F_WINLOG_RECORD_ID, "winlog.record_id", FIELD_KEYWORD)                                       \
    X(F_WINLOG_COMPUTER_NAME, "winlog.computer_name", FIELD_KEYWORD)                               \
    X(F_WINLOG_PROVIDER_NAME, "winlog.provider_name", FIELD_KEYWORD)                               \
    X(F_TAGS, "tags", FIELD_KEYWORD)

enum field_id {
    F_NONE = 0,
#define FIELD_ENUM(id, name, type) id,
    FIELD_TABLE(FIELD_ENUM)
#undef FIELD_ENUM
        F__ECS_COUNT
};

/* Intern a name; returns its id (never F_NONE for a non-empty name). */
uint32_t field_intern(struct str name);
/* Id of a name already interned, or F_NONE. Never inserts. */
uint32_t field_lookup(struct str name);
/* Name of an id (borrowed, lives for the process); empty for unknown ids. */
struct str field_name(uint32_t id);
/* Declared type for ECS fields; FIELD_UNKNOWN for dynamic ones. */
enum field_type field_type(uint32_t id);

#endif
