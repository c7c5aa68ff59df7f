//! Unit tests of `attribute.rs`: outcomes from made-up spans and changes.
use super::*;

fn ms(n: u64) -> Ctime {
    Ctime::from_parts(
        1_000_000 + (n / 1000) as i64,
        ((n % 1000) * 1_000_000) as i64,
    )
}

fn change(after: u64, ctime: u64, seen: u64) -> Change {
    written(after, ctime, seen, 0)
}

fn written(after: u64, ctime: u64, seen: u64, writes: u32) -> Change {
    Change {
        path: b"q.txt".to_vec(),
        from: None,
        old: None,
        new: None,
        ctime: ms(ctime),
        after: ms(after),
        seen: ms(seen),
        writes,
        steps: Vec::new(),
    }
}

/// Three commands 100 ms apart, each running 50 ms.
fn three() -> Spans {
    let mut s = Spans::default();
    for (i, at) in [1000u64, 1100, 1200].into_iter().enumerate() {
        let id = format!("c{i}");
        s.open(&id, "s", ms(at), ms(at));
        s.close(&id, ms(at + 50), ms(at + 51), true);
    }
    s
}

#[test]
fn a_change_seen_between_two_looks_inside_one_command_is_that_commands() {
    let s = three();
    assert_eq!(
        s.outcome(&change(1101, 1120, 1180)),
        Some(Outcome::By("c1".into()))
    );
}

#[test]
fn a_change_whose_look_before_came_first_is_not_given_to_one_command() {
    let s = three();
    // The look before was before c1 began: it may have been made just
    // before c1, between commands.
    assert_eq!(
        s.outcome(&change(1060, 1120, 1180)),
        Some(Outcome::Among(vec!["c1".into()]))
    );
    // Seen only after all three ran: any of them.
    assert_eq!(
        s.outcome(&change(990, 1220, 1300)),
        Some(Outcome::Among(vec!["c0".into(), "c1".into(), "c2".into()]))
    );
}

#[test]
fn one_whole_write_stamped_in_the_run_is_the_commands_even_if_the_look_came_first() {
    let s = three();
    // Stamped 3 ms before c1's recorded start (a coarse file clock).
    assert_eq!(
        s.outcome(&written(1060, 1097, 1180, 1)),
        Some(Outcome::By("c1".into()))
    );
    // Two writes: the first may have been made before c1.
    assert_eq!(
        s.outcome(&written(1060, 1120, 1180, 2)),
        Some(Outcome::Among(vec!["c1".into()]))
    );
    // Stamped after c1 ended: made between commands.
    assert_eq!(
        s.outcome(&written(1101, 1152, 1180, 1)),
        Some(Outcome::Between)
    );
    // One write, seen only after c2 ran: c0 had ended when it was made.
    assert_eq!(
        s.outcome(&written(990, 1120, 1260, 1)),
        Some(Outcome::By("c1".into()))
    );
}

#[test]
fn a_write_stamped_just_before_a_command_began_may_be_that_commands() {
    let s = three();
    // Stamped 5 ms before c2 began, seen after: c1's end or c2's start.
    let o = s.outcome(&change(1101, 1195, 1260));
    assert_eq!(o, Some(Outcome::Among(vec!["c1".into(), "c2".into()])));
}

#[test]
fn changes_with_no_command_in_their_span_are_between() {
    let s = three();
    assert_eq!(s.outcome(&change(1260, 1270, 1280)), Some(Outcome::Between));
}

#[test]
fn a_change_that_a_running_command_may_have_made_waits() {
    let mut s = three();
    s.open("c3", "other", ms(1110), ms(1110));
    assert_eq!(s.outcome(&change(1101, 1120, 1180)), None);
    s.close("c3", ms(1130), ms(1131), true);
    assert_eq!(
        s.outcome(&change(1101, 1120, 1180)),
        Some(Outcome::Among(vec!["c1".into(), "c3".into()]))
    );
}

#[test]
fn an_unrecorded_command_is_never_named() {
    let mut s = Spans::default();
    s.open("c0", "s", ms(1000), ms(1000));
    s.close("c0", ms(1050), ms(1051), false);
    assert_eq!(s.outcome(&change(1001, 1020, 1080)), Some(Outcome::Between));
}
