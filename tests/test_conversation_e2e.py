"""Whole conversations through the Flask app: a full check-in, interruptions, bad input and expired sessions."""
from __future__ import annotations

import pytest

from tests.envelopes import Conversation
from tests.talk import Session, said, text

WORDS_PER_SECOND = 2.5
SECONDS_PER_USER_ANSWER = 3


def test_full_check_in_with_every_kind_of_answer(talker):
    s = Session(talker)
    s.launch()
    reply = s.say("CheckInIntent", "am i burnt out")
    assert said(reply, "checkin.intro") and said(reply, "checkin.question.dread")
    assert reply.attributes["flow"]["kind"] == "checkin"
    s.frequency("often")
    reply = s.say("AnswerFrequencyIntent", "purple", frequency="purple")
    assert said(reply, "questionnaire.reask") and said(reply, "checkin.question.numb")
    s.say("AnswerFrequencyIntent", "two", frequency=("two", "often"))
    reply = s.say("AMAZON.RepeatIntent", "repeat the question")
    assert said(reply, "checkin.question.irritation")
    s.say("SkipIntent", "skip")
    reply = s.say("DontKnowIntent", "i don't know")
    assert said(reply, "questionnaire.dont_know") and said(reply, "checkin.question.daydream")
    reply = s.say("AnswerFrequencyIntent", "all the time", frequency=("all the time", "almost_always"))
    assert said(reply, "checkin.result.score", score=12, max_score=15)
    assert said(reply, "checkin.result.strong") and said(reply, "checkin.distinction.strong")
    assert said(reply, "offer.strategy.support")  # daydreaming showed most
    assert set(reply.attributes) <= {"offer", "last"}
    reply = s.yes()
    assert said(reply, "reading.support.part1")


def test_a_check_in_takes_under_two_minutes(talker):
    s = Session(talker)
    s.say("CheckInIntent")
    for code in ("often", "sometimes", "never", "almost_always", "often"):
        s.frequency(code)
    spoken = sum(len(speech.split()) for _, speech in s.transcript)
    seconds = spoken / WORDS_PER_SECOND + 5 * SECONDS_PER_USER_ANSWER
    assert seconds < 120, f"about {seconds:.0f} s: shorten the check-in wording"


def test_start_over_in_the_middle(talker):
    s = Session(talker)
    s.say("CheckInIntent")
    s.frequency("often")
    reply = s.say("AMAZON.StartOverIntent", "start over")
    assert said(reply, "questionnaire.start_over") and said(reply, "checkin.question.dread")
    assert reply.attributes["flow"]["answers"] == []


def test_stop_in_the_middle_ends_kindly_and_stores_nothing(make_app):
    from tests.conftest import Talker
    app = make_app()
    s = Session(Talker(app.test_client()))
    s.say("CheckInIntent")
    s.frequency("often")
    reply = s.say("AMAZON.StopIntent", "stop")
    assert reply.ends_session and said(reply, "goodbye.mid_check")
    assert app.extensions["recharge"].database.row_counts()["checkins"] == 0


def test_a_strategy_asked_for_during_the_body_check_pauses_it_and_it_comes_back(talker):
    s = Session(talker)
    s.say("BodyCheckIntent")
    s.yes()
    reply = s.say("StrategyIntent", "tell me a strategy")
    assert said(reply, "flow.paused.body") and said(reply, "reading.restoration.part1")
    assert reply.attributes["flow"]["kind"] == "reading"
    reply = s.say("BodyCheckIntent", "continue the body check")
    assert said(reply, "questionnaire.back_to_it") and said(reply, "body.question.fatigue")


def test_side_questions_come_back_to_the_question(talker):
    s = Session(talker)
    s.say("CheckInIntent")
    reply = s.say("HistoryIntent")
    assert said(reply, "questionnaire.back_to_it") and said(reply, "checkin.question.dread")
    reply = s.say("AMAZON.HelpIntent")
    assert said(reply, "help.in_check") and said(reply, "checkin.question.dread")
    reply = s.say("ShareFeelingIntent", feeling="we argue about the dishes")
    assert said(reply, "share.thanks") and said(reply, "checkin.question.dread")
    assert "dishes" not in str(reply.attributes)


@pytest.mark.parametrize("intent, slots", [
    ("AnswerFrequencyIntent", {"frequency": ("often", "often")}),
    ("WorkloadAnswerIntent", {"holder": ("me", "me")}),
    ("AMAZON.YesIntent", {}), ("AMAZON.NoIntent", {}),
])
def test_an_answer_to_a_question_that_was_not_asked(talker, intent, slots):
    s = Session(talker)
    reply = s.say(intent, **slots)
    assert said(reply, "answer.not_asked") and reply.ends_session is False


def test_an_expired_session_mid_check_in_starts_afresh_kindly(talker):
    s = Session(talker)
    s.say("CheckInIntent")
    s.frequency("often")
    expired = Session(talker, Conversation())  # a new session: the attributes are gone
    reply = expired.frequency("often")
    assert said(reply, "answer.not_asked")


@pytest.mark.parametrize("intent, slots", [
    ("AnswerFrequencyIntent", {"frequency": ("five", None)}),
    ("AnswerFrequencyIntent", {"frequency": ("maybe", "not_a_code")}),
    ("AnswerFrequencyIntent", {}),
    ("WorkloadAnswerIntent", {"holder": ("me", "me")}),  # the wrong kind of answer for this question
    ("AMAZON.YesIntent", {}),
    ("AMAZON.FallbackIntent", {}),
    ("MadeUpIntent", {}),
])
def test_out_of_range_or_unexpected_answers_are_asked_again(talker, intent, slots):
    s = Session(talker)
    s.say("CheckInIntent")
    reply = s.say(intent, **slots)
    assert said(reply, "questionnaire.reask") and said(reply, "scale.frequency.hint")
    assert reply.attributes["flow"]["at"] == 0


def test_a_tampered_session_is_ignored_not_crashed(talker):
    conversation = Conversation(attributes={"flow": {"kind": "checkin", "at": 7, "answers": "x"},
                                            "offer": {"kind": "rocket"}, "last": [["<speak>", 1]]})
    s = Session(talker, conversation)
    conversation.new = False
    for intent in ("AnswerFrequencyIntent", "AMAZON.YesIntent", "AMAZON.RepeatIntent", "AMAZON.NextIntent"):
        reply = s.say(intent)
        assert reply.status == 200 and reply.speech


def test_repeat_that_outside_a_flow_repeats_the_last_answer(talker):
    s = Session(talker)
    first = s.say("HistoryIntent")
    again = s.say("AMAZON.RepeatIntent")
    assert again.speech == first.speech


def test_declining_every_offer_ends_on_the_menu(talker):
    s = Session(talker)
    s.say("CheckInIntent")
    for _ in range(5):
        s.frequency("never")
    assert said(s.no(), "offer.check.both")
    reply = s.no()
    assert said(reply, "offer.declined") and said(reply, "menu.choices")
    assert "offer" not in reply.attributes


def test_accepting_an_exercise_without_built_audio_speaks_it_from_its_script(talker):
    s = Session(talker)
    s.say("BodyCheckIntent")
    for _ in range(12):
        s.no()
    reply = s.yes()
    assert not said(reply, "exercise.none_built")
    assert "breath" in reply.speech.lower() and not reply.directives


def test_help_inside_every_question_explains_that_question_and_yes_then_still_answers_it(talker):
    from skill.conversation.state import QUESTIONNAIRES
    from skill.checkin import CHECKIN
    from skill.focused import FOCUSED
    starts = {"checkin": "CheckInIntent", "body": "BodyCheckIntent", "both": "BothOfUsCheckIntent",
              "roots": "BurnoutOrIncompatibilityIntent", "workload": "WorkloadCheckIntent"}
    assert set(starts) == set(QUESTIONNAIRES) == {CHECKIN.kind, *FOCUSED}
    for kind, intent in starts.items():
        s = Session(talker)
        s.say(intent)
        q = QUESTIONNAIRES[kind]
        helps = set()
        for index, question in enumerate(q.questions):
            reply = s.say("AMAZON.HelpIntent", "help")
            assert said(reply, question.help_id) and said(reply, question.id), (kind, index)
            helps.add(reply.speech)
            if q.scale.id == "yes_no":
                reply = s.say("AMAZON.NoIntent" if question.id != "roots.question.safe" else "AMAZON.YesIntent", "no")
            elif q.scale.id == "holder":
                reply = s.holder("both", "both of us")
            else:
                reply = s.frequency("sometimes")
            if index + 1 < q.length:
                assert said(reply, q.questions[index + 1].id), (kind, index)
        assert len(helps) == q.length, f"{kind}: every question has its own help"


def test_the_way_back_each_paused_check_names_is_understood():
    """"Say continue the check-in": typed as said, the console's matcher on the model starts that same check."""
    from skill.conversation.checking import START_INTENTS
    from skill.devtools.utterances import UtteranceMatcher, load_model
    matcher = UtteranceMatcher(load_model("en-US"))
    for intent, kind in START_INTENTS.items():
        wording = text(f"flow.paused.{kind}")
        phrase = wording.rsplit("say ", 1)[1].rstrip(".")
        match = matcher.match(phrase)
        assert match and match.intent == intent, (kind, phrase, match)
