//! The hub's request errors: their English and German texts, and the `error` frame a refused
//! request is answered with.

use schulhof_proto::ErrorCode;
use schulhof_proto::hub::{HubErrorCode, ServerFrame};

use super::core::{ConnId, Output, encode};
use crate::error::ApiError;

pub(super) fn error<F: From<String>>(conn: ConnId, request: u64, code: HubErrorCode) -> Output<F> {
    let (message, message_de) = error_text(code);
    let frame = ServerFrame::Error {
        id: request,
        code,
        message: message.into(),
        message_de: message_de.into(),
    };
    Output::Send { conn, frame: encode(&frame) }
}

/// English and German text of a hub error.
pub fn error_text(code: HubErrorCode) -> (&'static str, &'static str) {
    match code {
        HubErrorCode::BadFrame => ("The frame is not valid.", "Die Nachricht ist ungültig."),
        HubErrorCode::Forbidden => {
            ("You may not use this topic.", "Dieses Thema darfst du nicht nutzen.")
        }
        HubErrorCode::ModuleDisabled => (
            "This module is not switched on at your school.",
            "Dieses Modul ist an deiner Schule nicht freigeschaltet.",
        ),
        HubErrorCode::NotSubscribed => {
            ("Subscribe to the topic first.", "Bitte zuerst das Thema abonnieren.")
        }
        HubErrorCode::TooManySubscriptions => ("Too many subscriptions.", "Zu viele Abonnements."),
        HubErrorCode::RateLimited => (
            "Too many messages; this one was not sent.",
            "Zu viele Nachrichten; diese wurde nicht gesendet.",
        ),
        HubErrorCode::BodyTooLarge => ("The message is too large.", "Die Nachricht ist zu groß."),
        HubErrorCode::RoomMuted => (
            "The room is muted: only its moderators may write.",
            "Der Raum ist stummgeschaltet: Nur Moderierende dürfen schreiben.",
        ),
        HubErrorCode::PollClosed => ("The poll is not open.", "Die Umfrage ist nicht geöffnet."),
        HubErrorCode::InvalidVote => {
            ("These choices do not fit the poll.", "Diese Auswahl passt nicht zur Umfrage.")
        }
        HubErrorCode::VideoNotStarted => {
            ("The video lesson has not started yet.", "Die Videostunde hat noch nicht begonnen.")
        }
        HubErrorCode::VideoLocked => {
            ("The video lesson is locked.", "Die Videostunde ist abgeschlossen.")
        }
        HubErrorCode::VideoFull => (
            "The video lesson has its maximum of participants.",
            "Die Videostunde hat bereits die höchste Teilnehmerzahl.",
        ),
        HubErrorCode::VideoNodeFull => (
            "The server hosts its maximum of video lessons; try again shortly.",
            "Der Server hat die höchste Zahl an Videostunden erreicht; bitte gleich erneut versuchen.",
        ),
        HubErrorCode::VideoNotJoined => {
            ("Join the video lesson first.", "Bitte zuerst der Videostunde beitreten.")
        }
        HubErrorCode::VideoNotAdmitted => {
            ("You are still in the waiting room.", "Du bist noch im Warteraum.")
        }
        HubErrorCode::VideoNotModerator => (
            "Only the lesson's moderators may do this.",
            "Das dürfen nur die Moderierenden der Stunde.",
        ),
        HubErrorCode::VideoUnmuteNotAllowed => (
            "The teacher has not allowed you to unmute.",
            "Die Lehrkraft hat das Einschalten des Mikrofons nicht erlaubt.",
        ),
        HubErrorCode::VideoRemoved => (
            "You were removed from this video lesson.",
            "Du wurdest aus dieser Videostunde entfernt.",
        ),
        HubErrorCode::VideoBadSdp => {
            ("The session description cannot be used.", "Die Sitzungsbeschreibung ist unbrauchbar.")
        }
        HubErrorCode::VideoElsewhere => (
            "The video lesson runs on another server; connect there.",
            "Die Videostunde läuft auf einem anderen Server; bitte dort verbinden.",
        ),
        HubErrorCode::Internal => {
            ("Something went wrong on the server.", "Auf dem Server ist ein Fehler aufgetreten.")
        }
    }
}

/// A refusal of the HTTP-side services (messenger, polls) as a hub error: the codes the hub knows
/// keep their meaning, failures stay internal, anything else is `forbidden`.
pub fn from_api(error: &ApiError) -> HubErrorCode {
    match error.code {
        ErrorCode::PollClosed => HubErrorCode::PollClosed,
        ErrorCode::InvalidVote => HubErrorCode::InvalidVote,
        ErrorCode::RoomMuted => HubErrorCode::RoomMuted,
        ErrorCode::ModuleDisabled => HubErrorCode::ModuleDisabled,
        ErrorCode::Internal | ErrorCode::Unavailable => HubErrorCode::Internal,
        _ => HubErrorCode::Forbidden,
    }
}
