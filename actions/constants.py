"""Names of intents, entities, slots, forms and actions shared by the actions and their tests."""

from __future__ import annotations

# Intents
GREET = "greet"
GOODBYE = "goodbye"
THANK = "thank"
AFFIRM = "affirm"
DENY = "deny"
BOT_CHALLENGE = "bot_challenge"
ASK_QUESTION = "ask_question"
FIND_STATION = "find_station"
INFORM = "inform"
REQUEST_HUMAN = "request_human"
FEEDBACK = "feedback"
OUT_OF_SCOPE = "out_of_scope"
CHITCHAT = "chitchat"
NLU_FALLBACK = "nlu_fallback"

# Entities (and the slots they fill)
ENTITY_IP_TYPE = "ip_type"
ENTITY_NEED = "need"
ENTITY_LOCATION = "location"

# Slots
SLOT_IP_TYPE = "ip_type"
SLOT_NEED = "need"
SLOT_LOCATION = "location"
SLOT_TOPIC = "topic"  # categorical: what the bot did last, "question" or "route"
SLOT_ROUTE_STATUS = "route_status"  # categorical: "done", "need_location", "need_need"
SLOT_LAST_QUESTION = "last_question"
SLOT_LAST_ANSWER = "last_answer"
SLOT_STATION_TYPE = "station_type"
SLOT_STATION_ID = "station_id"
SLOT_CONSENT = "consent"
SLOT_CONTACT_NAME = "contact_name"
SLOT_CONTACT_COMPANY = "contact_company"
SLOT_CONTACT_PHONE = "contact_phone"
SLOT_CONTACT_CONFIRMED = "contact_confirmed"
SLOT_NEXT_FORM = "next_form"  # set by action_respond: the rules start that form (handover or check-up)
SLOT_REQUESTED = "requested_slot"

CONTACT_SLOTS = (SLOT_CONTACT_NAME, SLOT_CONTACT_COMPANY, SLOT_CONTACT_PHONE)
SESSION_CARRIED_SLOTS = (SLOT_LOCATION,)  # a company's street does not change between visits
# In the session-start metadata: the new session continues a long one (service/rasa_entry.py);
# every slot carries over.
SESSION_CONTINUES = "ipgp_session_continues"
SLOT_SESSION_METADATA = "session_started_metadata"  # Rasa's own slot for the metadata of a session start

TOPIC_QUESTION = "question"
TOPIC_ROUTE = "route"
ROUTE_DONE = "done"
ROUTE_NEED_LOCATION = "need_location"
ROUTE_NEED_NEED = "need_need"

# Forms
HANDOVER_FORM = "handover_form"

# Actions
ACTION_RESPOND = "action_respond"
ACTION_CREATE_REFERRAL = "action_create_referral"
ACTION_ASK_CONSENT = "action_ask_consent"  # the form's consent question, with the retention period
ACTION_SESSION_START = "action_session_start"
VALIDATE_HANDOVER_FORM = "validate_handover_form"

# 知识产权体检 (check-up): intent, form, slots (one per profile field, then the read-back), actions
START_CHECKUP = "start_checkup"
CHECKUP_FORM = "checkup_form"
SLOT_CHECKUP_INDUSTRY = "checkup_industry"
SLOT_CHECKUP_LOCATION = "checkup_location"
SLOT_CHECKUP_SIZE = "checkup_size"
SLOT_CHECKUP_IP = "checkup_ip"
SLOT_CHECKUP_PLANS = "checkup_plans"
SLOT_CHECKUP_DISPUTE = "checkup_dispute"
SLOT_CHECKUP_CONFIRMED = "checkup_confirmed"
# profile field (retrieval.schema.CHECKUP_FIELDS) of each question slot, in the order asked
CHECKUP_SLOTS: dict[str, str] = {
    SLOT_CHECKUP_INDUSTRY: "industry",
    SLOT_CHECKUP_LOCATION: "location",
    SLOT_CHECKUP_SIZE: "size",
    SLOT_CHECKUP_IP: "ip",
    SLOT_CHECKUP_PLANS: "plans",
    SLOT_CHECKUP_DISPUTE: "dispute",
}
ACTION_CHECKUP_REPORT = "action_checkup_report"
VALIDATE_CHECKUP_FORM = "validate_checkup_form"
