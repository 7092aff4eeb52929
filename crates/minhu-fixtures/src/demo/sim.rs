//! The simulation that plays the demo history: requests registered and taken through the
//! lifecycle by the domain's own `decide`, each step some minutes after the previous, from a
//! seeded random source (the same history every time).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use minhu_domain::calendar::Calendar;
use minhu_domain::lifecycle::{Command, Ctx, decide};
use minhu_domain::org::{Actor, Level, Org, Role, Tier};
use minhu_domain::request::{Channel, Event, EventData, Intake, Request, Requester, Satisfaction};
use minhu_domain::sla::SlaPolicy;
use minhu_domain::time::ZONE;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::DemoError;
use super::org::{DEXINYUAN, DISTRICT};
use super::topics::{GIVEN, SURNAMES, Topic};

/// A moment in local time. The demo's moments are fixed and exist in Asia/Shanghai (no
/// daylight saving), so the epoch fallback is never taken.
pub(crate) fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    ZONE.with_ymd_and_hms(y, m, d, h, min, 0)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// One request of the history: the request, its jurisdiction path and its events.
pub type Item = (Request, String, Vec<Event>);

pub(crate) struct Sim<'a> {
    pub(crate) org: &'a Org,
    pub(crate) calendar: &'a Calendar,
    pub(crate) sla: &'a SlaPolicy,
    pub(crate) rng: StdRng,
    pub(crate) out: Vec<Item>,
    pub(crate) seq_code: u64,
}

pub(crate) type Step = (Actor, Command);

impl<'a> Sim<'a> {
    pub(crate) fn new(org: &'a Org, calendar: &'a Calendar, sla: &'a SlaPolicy) -> Self {
        Sim {
            org,
            calendar,
            sla,
            rng: StdRng::seed_from_u64(2026),
            out: Vec::new(),
            seq_code: 0,
        }
    }
}

impl Sim<'_> {
    pub(crate) fn person(&self, role: Role, scope: &str) -> Actor {
        let name = match role {
            Role::DistrictAdmin => "zhangzhan".to_string(),
            Role::StreetStaff => format!("{}_street", scope.to_lowercase()),
            Role::CommunityStaff => format!("{}_staff", scope.to_lowercase()),
            Role::GridWorker => format!("{}_g1", scope.to_lowercase()),
            Role::UnitHandler => format!("h_{}", scope.to_lowercase().replace('-', "_")),
            Role::Auditor => "auditor".to_string(),
        };
        Actor::person(&name, role, scope)
    }

    pub(crate) fn requester(&mut self) -> Requester {
        let name = format!(
            "{}{}",
            SURNAMES.choose(&mut self.rng).unwrap_or(&"王"),
            GIVEN.choose(&mut self.rng).unwrap_or(&"秀英")
        );
        let prefix = ["138", "139", "150", "186", "137", "158", "176", "135"]
            .choose(&mut self.rng)
            .unwrap_or(&"138")
            .to_string();
        let phone = format!("{prefix}{:08}", self.rng.random_range(0..100_000_000u32));
        Requester {
            name: Some(name),
            phone: Some(phone),
        }
    }

    /// Registers a request and plays `steps` on it, each some minutes after the previous.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run(
        &mut self,
        intake: Intake,
        clerk: Actor,
        steps: Vec<Step>,
        gap_minutes: (i64, i64),
        merge_target: Option<&Request>,
    ) -> Result<Request, DemoError> {
        let org = self.org;
        let jur = org
            .jurisdiction(&intake.jurisdiction)
            .ok_or_else(|| DemoError::UnknownJurisdiction(intake.jurisdiction.clone()))?;
        let mut at = intake.received_at;
        let first = Event {
            seq: 1,
            at,
            actor: clerk.username.clone(),
            role: clerk.role_str().into(),
            data: EventData::Register {
                channel: intake.channel,
                kind: intake.kind,
                jurisdiction: intake.jurisdiction.clone(),
                tier: Tier::for_level(jur.level),
                category: intake.category.clone(),
            },
        };
        let id = (self.out.len() + 1) as i64;
        let mut req = Request::replay(id, intake, std::slice::from_ref(&first));
        let mut events = vec![first];
        for (actor, cmd) in steps {
            at += Duration::minutes(self.rng.random_range(gap_minutes.0..=gap_minutes.1));
            let ctx = Ctx {
                now: at,
                org,
                calendar: self.calendar,
                sla: self.sla,
                merge_target,
            };
            let data = decide(&req, &cmd, &actor, &ctx).map_err(|e| DemoError::Step {
                action: cmd.action().to_string(),
                code: req.intake.code.clone(),
                refusal: e.to_string(),
            })?;
            let e = Event {
                seq: req.version + 1,
                at,
                actor: actor.username.clone(),
                role: actor.role_str().into(),
                data,
            };
            req.apply(&e);
            events.push(e);
        }
        let path = org.path(&req.intake.jurisdiction);
        self.out.push((req.clone(), path, events));
        Ok(req)
    }

    pub(crate) fn code(&mut self, at: DateTime<Utc>) -> String {
        self.seq_code += 1;
        let y = at.with_timezone(&ZONE).format("%y");
        format!(
            "{y}{:04}{:06}",
            self.rng.random_range(1000..10000u32),
            self.seq_code
        )
    }

    pub(crate) fn intake(
        &mut self,
        channel: Channel,
        topic: &Topic,
        jurisdiction: &str,
        at: DateTime<Utc>,
    ) -> Intake {
        let b = self.rng.random_range(1..=14);
        let unit_no = self.rng.random_range(1..=3);
        let content = topic
            .content
            .replace("{b}", &b.to_string())
            .replace("{u}", &unit_no.to_string());
        let community = self
            .org
            .ancestor_at(jurisdiction, Level::Community)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        Intake {
            code: self.code(at),
            channel,
            kind: topic.kind,
            subject: Some(topic.subject.to_string()),
            content,
            requester: self.requester(),
            address: Some(format!(
                "{}{}号楼{}单元",
                community.trim_end_matches("社区"),
                b,
                unit_no
            )),
            lat: None,
            lon: None,
            jurisdiction: jurisdiction.to_string(),
            category: Some(topic.category.to_string()),
            confidential: false,
            external_id: if channel.is_offline() {
                None
            } else {
                Some(format!(
                    "{}-{}",
                    channel.as_str().to_uppercase(),
                    self.seq_code
                ))
            },
            received_at: at,
        }
    }

    /// The unit a topic goes to in a community, and who handles it.
    pub(crate) fn handler_for(&self, topic: &Topic, community: &str) -> (String, Actor) {
        let unit = match topic.unit {
            "=" => community.to_string(),
            "*" => {
                if community == DEXINYUAN {
                    "DXY-WY".to_string()
                } else {
                    format!("{community}-WY")
                }
            }
            code => code.to_string(),
        };
        let actor = if unit == community {
            self.person(Role::CommunityStaff, community)
        } else {
            self.person(Role::UnitHandler, &unit)
        };
        (unit, actor)
    }

    /// Steps from registration to a closed request with a callback.
    pub(crate) fn closed_steps(
        &mut self,
        topic: &Topic,
        community: &str,
        upstream: bool,
        satisfaction: Satisfaction,
    ) -> Vec<Step> {
        let staff = self.person(Role::CommunityStaff, community);
        let dispatcher = if upstream {
            self.person(Role::DistrictAdmin, DISTRICT)
        } else {
            staff.clone()
        };
        let (unit, handler) = self.handler_for(topic, community);
        // The community cannot send to district departments: those go through the district office.
        let dispatcher = if self
            .org
            .unit(&unit)
            .is_some_and(|u| u.jurisdiction == DISTRICT)
        {
            self.person(Role::DistrictAdmin, DISTRICT)
        } else {
            dispatcher
        };
        let mut steps = vec![
            (dispatcher.clone(), Command::Accept { note: None }),
            (
                dispatcher.clone(),
                Command::Dispatch {
                    unit,
                    co_units: vec![],
                    difficulty: None,
                    urgency: None,
                },
            ),
            (handler.clone(), Command::Sign),
        ];
        if self.rng.random_bool(0.4) {
            steps.push((
                handler.clone(),
                Command::Progress {
                    note: "已到现场核实，正在安排处理。".into(),
                },
            ));
        }
        steps.push((
            handler,
            Command::Reply {
                account: format!("经现场核实情况属实。{}", topic.measures),
                public_reply: topic.reply.into(),
                measures: Some(topic.measures.into()),
                solved: true,
            },
        ));
        steps.push((
            dispatcher,
            Command::Review {
                pass: true,
                note: None,
            },
        ));
        steps.push((
            staff,
            Command::Callback {
                reached: true,
                contacted: true,
                solved: satisfaction != Satisfaction::Unsatisfied,
                satisfaction: Some(satisfaction),
                note: None,
            },
        ));
        steps
    }
}

/// Working-day moments in the seed period for `n` requests.
pub(crate) fn spread(
    sim: &mut Sim,
    n: usize,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<DateTime<Utc>> {
    let days: Vec<NaiveDate> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| sim.calendar.is_working_day(*d))
        .collect();
    (0..n)
        .filter_map(|i| {
            let d = *days.get(i * days.len() / n.max(1))?;
            let h = sim.rng.random_range(8..17);
            let m = sim.rng.random_range(0..60);
            Some(local(
                d.year_ce().1 as i32,
                d.month0() + 1,
                d.day0() + 1,
                h,
                m,
            ))
        })
        .collect()
}
