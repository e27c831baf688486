//! Quick polls end to end: a whole class of 31 hub clients votes at once and everyone sees the
//! exact final tally; votes after closing are refused; anonymous polls reveal nobody; named polls
//! show voters to the owner only; hidden results; changing a vote; the countdown closes a poll
//! even across a restart; CSV export; and who may not see, vote or run polls.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use schulhof_proto::hub::{HubErrorCode, ServerFrame, Topic};
use schulhof_proto::{ErrorCode, Poll, PollState};
use serde_json::{Value, json};
use testkit::hub_client::HubClient;
use testkit::{Client, TestServer, expect_error, json_ok};

use crate::auth::create_user;
use crate::messenger::{Class, class_of, hub_of};

async fn create_poll(class: &Class, extra: Value) -> Poll {
    let mut body = json!({
        "group_id": class.group.id, "question": "Wie war der Test?",
        "options": ["leicht", "mittel", "schwer"], "open": true,
    });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    class.teacher.0.post_ok("/api/polls", &body).await
}

async fn vote(client: &Client, poll: &Poll, choices: &[u8]) -> reqwest::Response {
    client
        .send(
            Method::PUT,
            &format!("/api/polls/{}/vote", poll.id),
            Some(&json!({ "choices": choices })),
        )
        .await
}

/// Waits for the poll's `state` event with `closed` and returns its results.
async fn closed_results(hub: &mut HubClient) -> Value {
    loop {
        if let ServerFrame::Message { body, .. } = hub.frame().await
            && body["event"] == "state"
            && body["state"] == "closed"
        {
            return body["results"].clone();
        }
    }
}

#[tokio::test]
async fn a_class_of_thirty_votes_at_once_and_everyone_sees_the_exact_tally() {
    let server = TestServer::start().await;
    let class = class_of(&server, 30).await;
    let poll = create_poll(&class, json!({})).await;
    assert_eq!(poll.state, PollState::Open);
    let topic = Topic::Poll(poll.id.to_string());

    let mut hubs = Vec::new();
    for client in std::iter::once(&class.teacher.0).chain(class.pupils.iter().map(|(c, _)| c)) {
        let mut hub = hub_of(client).await;
        assert!(matches!(hub.subscribe(&topic, None).await, ServerFrame::Subscribed { .. }));
        hubs.push(hub);
    }
    // 30 pupils vote concurrently over their sockets: pupil i picks option i % 3.
    let teacher_hub = hubs.remove(0);
    let mut voters = Vec::new();
    for (i, mut hub) in hubs.into_iter().enumerate() {
        let topic = topic.clone();
        voters.push(tokio::spawn(async move {
            let id = hub.publish(&topic, json!({ "vote": [i % 3] })).await;
            loop {
                match hub.frame().await {
                    ServerFrame::Ack { id: got, .. } if got == id => break,
                    ServerFrame::Error { id: got, code, .. } if got == id => {
                        panic!("vote refused: {code:?}")
                    }
                    _ => {}
                }
            }
            hub
        }));
    }
    let mut hubs = vec![teacher_hub];
    for voter in voters {
        hubs.push(voter.await.unwrap());
    }
    let closed: Poll =
        class.teacher.0.post_ok(&format!("/api/polls/{}/close", poll.id), &json!({})).await;
    let results = closed.results.expect("results");
    assert_eq!((results.counts, results.voters), (vec![10, 10, 10], 30));
    for hub in &mut hubs {
        let results = closed_results(hub).await;
        assert_eq!(results["counts"], json!([10, 10, 10]));
        assert_eq!(results["voters"], 30);
    }

    // After closing: refused over HTTP and over the hub, nothing changes.
    let late = vote(&class.pupils[0].0, &poll, &[2]).await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    expect_error(late, ErrorCode::PollClosed).await;
    let hub = &mut hubs[1];
    let id = hub.publish(&topic, json!({ "vote": [2] })).await;
    loop {
        if let ServerFrame::Error { id: got, code, .. } = hub.frame().await
            && got == id
        {
            assert_eq!(code, HubErrorCode::PollClosed);
            break;
        }
    }
    let final_view: Poll = class.pupils[0].0.get_ok(&format!("/api/polls/{}", poll.id)).await;
    assert_eq!(final_view.results.unwrap().counts, [10, 10, 10]);
    server.stop().await;
}

#[tokio::test]
async fn live_results_arrive_while_voting_and_votes_can_change() {
    let server = TestServer::start().await;
    let class = class_of(&server, 2).await;
    let poll = create_poll(&class, json!({ "anonymous": true })).await;
    let topic = Topic::Poll(poll.id.to_string());
    let mut teacher_hub = hub_of(&class.teacher.0).await;
    teacher_hub.subscribe(&topic, None).await;

    let accepted: Value =
        json_ok(vote(&class.pupils[0].0, &poll, &[0]).await, StatusCode::OK).await;
    assert_eq!(accepted["my_vote"], json!([0]));
    let mut latest = json!(null);
    while latest["counts"] != json!([1, 0, 0]) {
        if let ServerFrame::Message { body, .. } = teacher_hub.frame().await {
            latest = body;
        }
    }
    // Changing the vote moves it; one vote per user.
    vote(&class.pupils[0].0, &poll, &[2]).await;
    while latest["counts"] != json!([0, 0, 1]) {
        if let ServerFrame::Message { body, .. } = teacher_hub.frame().await {
            assert!(body["version"].as_u64() >= latest["version"].as_u64(), "versions only grow");
            latest = body;
        }
    }
    assert_eq!(latest["voters"], 1);

    // Bad votes are refused with a clear error.
    expect_error(vote(&class.pupils[1].0, &poll, &[0, 1]).await, ErrorCode::InvalidVote).await;
    expect_error(vote(&class.pupils[1].0, &poll, &[3]).await, ErrorCode::InvalidVote).await;
    expect_error(vote(&class.pupils[1].0, &poll, &[]).await, ErrorCode::InvalidVote).await;
    server.stop().await;
}

#[tokio::test]
async fn anonymous_polls_reveal_nobody_and_named_polls_only_to_their_owner() {
    let server = TestServer::start().await;
    let class = class_of(&server, 3).await;
    let teacher = &class.teacher.0;

    let anonymous = create_poll(&class, json!({ "anonymous": true })).await;
    for (i, (pupil, _)) in class.pupils.iter().enumerate() {
        vote(pupil, &anonymous, &[u8::try_from(i % 2).unwrap()]).await;
    }
    let mine: Poll = class.pupils[0].0.get_ok(&format!("/api/polls/{}", anonymous.id)).await;
    assert_eq!(mine.my_vote, Some(vec![0]), "a voter sees their own vote while the poll is open");
    let early = teacher.get(&format!("/api/polls/{}/results.csv", anonymous.id)).await;
    expect_error(early, ErrorCode::PollStillOpen).await;
    let owner_view: Poll = teacher.get_ok(&format!("/api/polls/{}", anonymous.id)).await;
    assert_eq!(owner_view.voters_by_option, None);
    assert_eq!(owner_view.results.clone().unwrap().counts, [2, 1, 0]);
    let closed: Poll =
        teacher.post_ok(&format!("/api/polls/{}/close", anonymous.id), &json!({})).await;
    assert_eq!(closed.voters_by_option, None);
    let mine: Poll = class.pupils[0].0.get_ok(&format!("/api/polls/{}", anonymous.id)).await;
    assert_eq!(mine.my_vote, None, "after closing not even the voter can be linked to a ballot");
    let csv = teacher
        .get(&format!("/api/polls/{}/results.csv", anonymous.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("leicht;2") && !csv.contains("Muster"), "{csv}");
    // The admin is no member of 5a: the poll does not exist for them.
    expect_error(
        class.admin.get(&format!("/api/polls/{}", anonymous.id)).await,
        ErrorCode::NotFound,
    )
    .await;

    let named =
        create_poll(&class, json!({ "anonymous": false, "question": "Wer kommt mit?" })).await;
    vote(&class.pupils[0].0, &named, &[1]).await;
    vote(&class.pupils[1].0, &named, &[1]).await;
    let owner_view: Poll = teacher.get_ok(&format!("/api/polls/{}", named.id)).await;
    let voters = owner_view.voters_by_option.expect("the owner sees who voted");
    assert_eq!(voters[1].len(), 2);
    let pupil_view: Poll = class.pupils[2].0.get_ok(&format!("/api/polls/{}", named.id)).await;
    assert_eq!(pupil_view.voters_by_option, None);
    teacher.post_ok::<_, Poll>(&format!("/api/polls/{}/close", named.id), &json!({})).await;
    let csv =
        teacher.get(&format!("/api/polls/{}/results.csv", named.id)).await.text().await.unwrap();
    assert!(csv.contains("kind.00 Muster") && csv.contains("mittel;2"), "{csv}");
    let by_pupil = class.pupils[0].0.get(&format!("/api/polls/{}/results.csv", named.id)).await;
    expect_error(by_pupil, ErrorCode::NotPollOwner).await;

    // The data export (Art. 15) lists her messages and named votes, never the anonymous ballot.
    let room = class.group.id;
    let path = format!("/api/chat/rooms/{room}/messages");
    class.pupils[0].0.post_ok::<_, Value>(&path, &json!({ "text": "Meine Nachricht" })).await;
    let export: Value =
        class.admin.get_ok(&format!("/api/users/{}/export", class.pupils[0].1)).await;
    assert_eq!(export["chat_messages"][0]["text"], "Meine Nachricht");
    assert_eq!(
        export["poll_votes"],
        json!([{ "poll_id": named.id, "question": "Wer kommt mit?", "chosen": ["mittel"] }])
    );
    server.stop().await;
}

#[tokio::test]
async fn hidden_results_drafts_and_who_may_run_polls() {
    let server = TestServer::start().await;
    let class = class_of(&server, 2).await;
    let (teacher, anna) = (&class.teacher.0, &class.pupils[0].0);

    let hidden = create_poll(&class, json!({ "hide_results": true })).await;
    vote(anna, &hidden, &[1]).await;
    let pupil_view: Poll = anna.get_ok(&format!("/api/polls/{}", hidden.id)).await;
    let results = pupil_view.results.unwrap();
    assert_eq!((results.counts.len(), results.voters), (0, 1), "pupils see only how many voted");
    let owner_view: Poll = teacher.get_ok(&format!("/api/polls/{}", hidden.id)).await;
    assert_eq!(owner_view.results.unwrap().counts, [0, 1, 0]);
    teacher.post_ok::<_, Poll>(&format!("/api/polls/{}/close", hidden.id), &json!({})).await;
    let pupil_view: Poll = anna.get_ok(&format!("/api/polls/{}", hidden.id)).await;
    assert_eq!(pupil_view.results.unwrap().counts, [0, 1, 0], "shown after closing");

    // Drafts are the owner's until opened; pupils may not create, open or close polls.
    let draft = create_poll(&class, json!({ "open": false })).await;
    assert_eq!(draft.state, PollState::Draft);
    expect_error(anna.get(&format!("/api/polls/{}", draft.id)).await, ErrorCode::NotFound).await;
    expect_error(vote(anna, &draft, &[0]).await, ErrorCode::NotFound).await;
    let edited = teacher
        .send(
            Method::PUT,
            &format!("/api/polls/{}", draft.id),
            Some(&json!({
                "group_id": class.group.id, "question": "Neue Frage?", "options": ["ja", "nein"]
            })),
        )
        .await;
    let edited: Poll = json_ok(edited, StatusCode::OK).await;
    assert_eq!(edited.options, ["ja", "nein"]);
    let by_pupil = anna
        .send(
            Method::POST,
            "/api/polls",
            Some(&json!({
                "group_id": class.group.id, "question": "Frei?", "options": ["ja", "nein"]
            })),
        )
        .await;
    expect_error(by_pupil, ErrorCode::Forbidden).await;
    let open: Poll = teacher.post_ok(&format!("/api/polls/{}/open", draft.id), &json!({})).await;
    assert_eq!(open.state, PollState::Open);
    let again = teacher
        .send(
            Method::PUT,
            &format!("/api/polls/{}", draft.id),
            Some(&json!({
                "group_id": class.group.id, "question": "x?", "options": ["a", "b"]
            })),
        )
        .await;
    expect_error(again, ErrorCode::PollNotDraft).await;
    let close = anna
        .send::<Value>(Method::POST, &format!("/api/polls/{}/close", draft.id), Some(&json!({})))
        .await;
    expect_error(close, ErrorCode::NotPollOwner).await;

    // Validation: 2–10 distinct options.
    let one = teacher
        .send(
            Method::POST,
            "/api/polls",
            Some(&json!({
                "group_id": class.group.id, "question": "?", "options": ["nur eine"]
            })),
        )
        .await;
    assert_eq!(
        expect_error(one, ErrorCode::ValidationFailed).await.field.as_deref(),
        Some("options")
    );

    // Non-members and restricted pupils.
    let olaf = create_user(&class.admin, "olaf.o", "pupil").await;
    let olaf = server.login_first_time("olaf.o", &olaf.initial_password).await;
    expect_error(olaf.get(&format!("/api/polls/{}", open.id)).await, ErrorCode::NotFound).await;
    expect_error(vote(&olaf, &open, &[0]).await, ErrorCode::NotFound).await;
    expect_error(
        olaf.get(&format!("/api/polls?group_id={}", class.group.id)).await,
        ErrorCode::NotFound,
    )
    .await;
    let mut hub = hub_of(&olaf).await;
    let refused = hub.subscribe(&Topic::Poll(open.id.to_string()), None).await;
    assert!(matches!(refused, ServerFrame::Error { code: HubErrorCode::Forbidden, .. }));
    let list: Value = anna.get_ok(&format!("/api/polls?group_id={}", class.group.id)).await;
    assert_eq!(list["polls"].as_array().unwrap().len(), 2, "pupils do not see drafts");
    server.stop().await;
}

#[tokio::test]
async fn the_countdown_closes_a_poll_even_across_a_restart() {
    let mut server = TestServer::start().await;
    let class = class_of(&server, 1).await;
    let poll = create_poll(&class, json!({ "duration_seconds": 10 })).await;
    let closes_at = poll.closes_at.expect("countdown end");
    assert!(closes_at >= poll.opened_at.unwrap() + 10_000);
    vote(&class.pupils[0].0, &poll, &[1]).await;
    server.restart().await;
    // The test client allows 10 s per frame: subscribe shortly before the countdown ends.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let until_close = closes_at - i64::try_from(now.as_millis()).unwrap();
    tokio::time::sleep(Duration::from_millis(u64::try_from(until_close - 3000).unwrap_or(0))).await;
    let mut hub = hub_of(&class.pupils[0].0).await;
    hub.subscribe(&Topic::Poll(poll.id.to_string()), None).await;
    let results = tokio::time::timeout(Duration::from_secs(30), closed_results(&mut hub))
        .await
        .expect("closed by the countdown");
    assert_eq!(results["counts"], json!([0, 1, 0]));
    let view: Poll = class.teacher.0.get_ok(&format!("/api/polls/{}", poll.id)).await;
    assert_eq!(view.state, PollState::Closed);
    assert!(view.closed_at.unwrap() >= closes_at);
    server.stop().await;
}

#[tokio::test]
async fn a_poll_in_a_chat_room_is_announced_there_and_run_by_its_moderator() {
    let server = TestServer::start().await;
    let class = class_of(&server, 2).await;
    let (teacher, anna, ben) = (&class.teacher, &class.pupils[0], &class.pupils[1]);
    let room: schulhof_proto::RoomDetail = teacher
        .0
        .post_ok("/api/chat/rooms", &json!({ "title": "Ausflug", "member_ids": [anna.1] }))
        .await;
    let room_id = room.room.id;
    let mut anna_hub = hub_of(&anna.0).await;
    anna_hub.subscribe(&Topic::Chat(room_id.to_string()), None).await;

    let by_member = anna
        .0
        .send(
            Method::POST,
            "/api/polls",
            Some(&json!({
                "room_id": room_id, "question": "Zoo?", "options": ["ja", "nein"], "open": true
            })),
        )
        .await;
    expect_error(by_member, ErrorCode::Forbidden).await;
    let poll: Poll = teacher
        .0
        .post_ok(
            "/api/polls",
            &json!({
                "room_id": room_id, "question": "Zoo oder Museum?", "options": ["Zoo", "Museum"],
                "open": true, "multiple": true
            }),
        )
        .await;
    loop {
        if let ServerFrame::Message { body, .. } = anna_hub.frame().await
            && body["event"] == "poll"
        {
            assert_eq!(body["poll_id"], json!(poll.id));
            assert_eq!(body["state"], "open");
            break;
        }
    }
    let accepted: Value = json_ok(vote(&anna.0, &poll, &[1, 0]).await, StatusCode::OK).await;
    assert_eq!(accepted["my_vote"], json!([0, 1]), "multiple choice, stored in order");
    // Ben is in the class but not in this room: the poll does not exist for him.
    expect_error(vote(&ben.0, &poll, &[0]).await, ErrorCode::NotFound).await;
    let list: Value = anna.0.get_ok(&format!("/api/polls?room_id={room_id}")).await;
    assert_eq!(list["polls"][0]["results"]["counts"], json!([1, 1]));
    server.stop().await;
}
