//! Tests of the routing table: a class where the teacher publishes camera (simulcast) and audio,
//! pupils subscribe; forwarding follows tile sizes and bandwidth with keyframe requests on every
//! layer switch; hidden video and muted tracks go nowhere; removed participants vanish.

use crate::routing::{Effect, Layer, ParticipantId, Routing, TrackKind};

const TEACHER: ParticipantId = ParticipantId(1);
const ANNA: ParticipantId = ParticipantId(2);
const BEN: ParticipantId = ParticipantId(3);

#[test]
fn packets_go_to_the_subscribers_of_their_layer() {
    let mut room = Routing::default();
    let camera = room.publish(TEACHER, TrackKind::Camera, true);
    let mic = room.publish(TEACHER, TrackKind::Audio, true);
    for pupil in [ANNA, BEN] {
        room.subscribe(pupil, camera);
        room.subscribe(pupil, mic);
    }
    // Audio flows at once; video only once a tile shows it.
    assert_eq!(room.targets(mic, Layer::High), [ANNA, BEN]);
    assert!(
        room.targets(camera, Layer::Low).is_empty() && room.targets(camera, Layer::High).is_empty()
    );
    // Anna shows the teacher big (keyframe for her layer); Ben as a small gallery tile.
    assert_eq!(
        room.show(ANNA, camera, Some(720)),
        [Effect::RequestKeyframe { track: camera, layer: Layer::High }]
    );
    assert_eq!(
        room.show(BEN, camera, Some(120)),
        [Effect::RequestKeyframe { track: camera, layer: Layer::Low }]
    );
    assert_eq!(room.targets(camera, Layer::High), [ANNA]);
    assert_eq!(room.targets(camera, Layer::Low), [BEN]);
    assert!(room.targets(camera, Layer::Medium).is_empty());
    // Nobody gets their own media back.
    assert!(room.subscribe(TEACHER, camera).is_empty());
    assert!(!room.targets(mic, Layer::High).contains(&TEACHER));
}

#[test]
fn bandwidth_caps_the_layer_and_every_switch_asks_for_a_keyframe() {
    let mut room = Routing::default();
    let camera = room.publish(TEACHER, TrackKind::Camera, true);
    let screen = room.publish(TEACHER, TrackKind::Screen, true);
    room.subscribe(ANNA, camera);
    room.subscribe(ANNA, screen);
    room.show(ANNA, camera, Some(720));
    room.show(ANNA, screen, Some(1080));
    // 1.2 Mbit/s: both cannot be High (3 Mbit/s); lowering the highest first ends at Medium+Medium
    // (1 Mbit/s).
    let effects = room.set_bandwidth(ANNA, 1_200_000);
    assert_eq!(room.layer_of(ANNA, camera), Some(Layer::Medium));
    assert_eq!(room.layer_of(ANNA, screen), Some(Layer::Medium));
    assert_eq!(effects.len(), 2, "{effects:?}");
    // A poor phone connection: everything at Low, never nothing.
    room.set_bandwidth(ANNA, 100_000);
    assert_eq!(room.layer_of(ANNA, camera), Some(Layer::Low));
    assert_eq!(room.layer_of(ANNA, screen), Some(Layer::Low));
    // Unchanged layers ask for nothing.
    assert!(room.set_bandwidth(ANNA, 90_000).is_empty());
    // A camera without simulcast is forwarded as it is.
    let plain = room.publish(BEN, TrackKind::Camera, false);
    room.subscribe(ANNA, plain);
    room.show(ANNA, plain, Some(90));
    assert_eq!(room.layer_of(ANNA, plain), Some(Layer::High));
}

#[test]
fn hidden_video_and_muted_tracks_are_not_forwarded() {
    let mut room = Routing::default();
    let camera = room.publish(ANNA, TrackKind::Camera, true);
    let mic = room.publish(ANNA, TrackKind::Audio, false);
    room.subscribe(TEACHER, camera);
    room.subscribe(TEACHER, mic);
    room.show(TEACHER, camera, Some(240));
    assert_eq!(room.targets(camera, Layer::Medium), [TEACHER]);
    // The teacher scrolls Anna's tile out of view: nothing is forwarded.
    room.show(TEACHER, camera, None);
    assert!(room.targets(camera, Layer::Medium).is_empty());
    // Mute all: Anna's microphone goes nowhere, until it is unmuted.
    room.set_muted(mic, true);
    assert!(room.is_muted(mic));
    assert!(room.targets(mic, Layer::High).is_empty());
    room.set_muted(mic, false);
    assert_eq!(room.targets(mic, Layer::High), [TEACHER]);
    // Video that comes back after a mute needs a keyframe.
    room.show(TEACHER, camera, Some(240));
    room.set_muted(camera, true);
    assert_eq!(
        room.set_muted(camera, false),
        [Effect::RequestKeyframe { track: camera, layer: Layer::Medium }]
    );
}

#[test]
fn a_removed_participant_leaves_no_routes() {
    let mut room = Routing::default();
    let camera = room.publish(ANNA, TrackKind::Camera, true);
    let teacher_mic = room.publish(TEACHER, TrackKind::Audio, false);
    room.subscribe(TEACHER, camera);
    room.show(TEACHER, camera, Some(720));
    room.subscribe(ANNA, teacher_mic);
    room.subscribe(BEN, camera);
    room.show(BEN, camera, Some(720));
    room.remove_participant(ANNA);
    assert!(room.tracks_of(ANNA).is_empty());
    assert!(room.targets(camera, Layer::High).is_empty());
    assert_eq!(room.targets(teacher_mic, Layer::High), Vec::<ParticipantId>::new());
    assert_eq!(room.layer_of(BEN, camera), None);
}

#[test]
fn the_desired_bitrate_follows_the_tiles_before_any_cap() {
    let mut routing = Routing::default();
    let (teacher, pupil) = (ParticipantId(1), ParticipantId(2));
    let camera = routing.publish(teacher, TrackKind::Camera, true);
    let audio = routing.publish(teacher, TrackKind::Audio, false);
    routing.subscribe(pupil, camera);
    routing.subscribe(pupil, audio);
    assert_eq!(routing.desired_bitrate(pupil), 50_000, "audio only while the video is hidden");
    routing.show(pupil, camera, Some(720));
    routing.set_bandwidth(pupil, 600_000);
    assert_eq!(routing.layer_of(pupil, camera), Some(Layer::Medium), "capped by the estimate");
    assert_eq!(routing.desired_bitrate(pupil), 1_550_000, "but the target is the high layer");
}
