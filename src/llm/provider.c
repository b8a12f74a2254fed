/*
 * provider.c - dispatch through a provider's vtable, and the enum names.
 */
#include "llm/llm.h"

#include <string.h>

int llm_provider_chat(struct llm_provider *p, struct arena *a, const struct llm_request *r,
                      struct llm_reply *out, struct diag *d)
{
    memset(out, 0, sizeof(*out));
    if (p == NULL || a == NULL || r == NULL)
        return diag_set(d, E_INVAL, "llm", "chat needs a provider, an arena and a request");
    if (r->n_msgs == 0)
        return diag_set(d, E_INVAL, "llm", "chat needs at least one message");
    return p->ops->chat(p, a, r, out, d);
}

void llm_provider_free(struct llm_provider *p)
{
    if (p != NULL)
        p->ops->free(p);
}

const char *llm_role_name(enum llm_role role)
{
    switch (role) {
    case LLM_ROLE_SYSTEM:
        return "system";
    case LLM_ROLE_USER:
        return "user";
    case LLM_ROLE_ASSISTANT:
        return "assistant";
    case LLM_ROLE_TOOL:
        return "tool";
    }
    return "user";
}

const char *llm_finish_name(enum llm_finish f)
{
    switch (f) {
    case LLM_FINISH_NONE:
        return "none";
    case LLM_FINISH_STOP:
        return "stop";
    case LLM_FINISH_LENGTH:
        return "length";
    case LLM_FINISH_TOOL_CALLS:
        return "tool_calls";
    case LLM_FINISH_CONTENT_FILTER:
        return "content_filter";
    case LLM_FINISH_OTHER:
        return "other";
    }
    return "other";
}
