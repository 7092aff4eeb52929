//! The people register's privacy tiers (PIPL art. 28) and the masked views every front end
//! shows. Three tiers of fields:
//!
//! - **public**: what a public page may show: a resident's surname and building;
//! - **staff**: names, phones, rooms, birth years: shown masked to the register's readers
//!   until revealed with a purpose (the reveal is logged);
//! - **sensitive**: ID numbers and care tags (special groups): only for users granted
//!   `sensitive`, every read logged, never in a default list or export.
//!
//! The views below are built from the stored records and what the reader may see
//! ([`Sight`]); a field the reader may not see is masked or absent, never sent.

use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::grid_ledger::{CareTag, Household, Resident};
use crate::privacy::{mask_name, mask_phone, normalize_phone};

code_enum!(
    /// How far a field of the register may travel.
    #[derive(PartialOrd, Ord)]
    Tier {
        Public = "public" / "公开",
        Staff = "staff" / "工作人员可见",
        Sensitive = "sensitive" / "敏感",
    }
);

/// The tier of a household's field (stored names).
pub fn household_field(field: &str) -> Tier {
    match field {
        "room" | "head_name" | "head_phone" | "tenancy_from" | "tenancy_until" => Tier::Staff,
        _ => Tier::Public,
    }
}

/// The tier of a resident's field (stored names); care tags are sensitive as a whole.
pub fn resident_field(field: &str) -> Tier {
    match field {
        "id_number" | "care_tags" => Tier::Sensitive,
        "name" | "phone" | "birth_year" | "residence" | "occupation" => Tier::Staff,
        _ => Tier::Public,
    }
}

/// The staff fields of a household and its residents a reveal shows (for the access log).
pub const STAFF_FIELDS: &str = "household.room,household.head_name,household.head_phone,resident.name,resident.phone,resident.birth_year";
/// The sensitive fields a granted read shows (for the access log).
pub const SENSITIVE_FIELDS: &str = "resident.id_number,resident.care_tags";

/// What a reader sees of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sight {
    /// The staff fields are shown in full (revealed with a purpose, logged).
    pub staff: bool,
    /// The sensitive fields are shown (the reader holds the grant; the read is logged).
    pub sensitive: bool,
}

/// A phone masked whatever its spelling: normalised first, so 138 1234 5678 and
/// １３８１２３４５６７８ mask the same; text that is no phone shows no digit at all.
pub fn masked_phone(raw: &str) -> String {
    if raw.trim().is_empty() {
        return String::new();
    }
    match normalize_phone(raw) {
        Some(p) => mask_phone(&p),
        None => "****".to_string(),
    }
}

/// A room masked: its floor digit kept for orientation would still identify a flat in
/// a small building, so nothing of it is shown.
pub fn masked_room(room: &str) -> String {
    if room.is_empty() {
        String::new()
    } else {
        "***".to_string()
    }
}

/// The public view of a resident: a surname and a building, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicResident {
    /// The surname followed by stars (贺**).
    pub surname: String,
    pub building: String,
}

pub fn public_resident(resident: &Resident, building: &str) -> PublicResident {
    PublicResident {
        surname: mask_name(&resident.name),
        building: building.to_string(),
    }
}

/// A household as its reader may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdView {
    pub room: String,
    pub head_name: String,
    pub head_phone: String,
    /// Whether the staff fields above are shown in full.
    pub revealed: bool,
}

pub fn household_view(h: &Household, sight: Sight) -> HouseholdView {
    if sight.staff {
        return HouseholdView {
            room: h.room.clone(),
            head_name: h.head_name.clone(),
            head_phone: h.head_phone.clone(),
            revealed: true,
        };
    }
    HouseholdView {
        room: masked_room(&h.room),
        head_name: mask_name(&h.head_name),
        head_phone: masked_phone(&h.head_phone),
        revealed: false,
    }
}

/// A resident as its reader may see it. `id_number` and `care_tags` are `None` (not sent)
/// without the sensitive grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentView {
    pub name: String,
    pub phone: String,
    pub birth_year: Option<i64>,
    pub id_number: Option<String>,
    pub care_tags: Option<Vec<CareTag>>,
    pub revealed: bool,
}

/// `tags` are the resident's care tags; they are dropped unless `sight.sensitive`.
pub fn resident_view(r: &Resident, tags: Vec<CareTag>, sight: Sight) -> ResidentView {
    let (id_number, care_tags) = if sight.sensitive {
        (Some(r.id_number.clone()), Some(tags))
    } else {
        (None, None)
    };
    if sight.staff {
        return ResidentView {
            name: r.name.clone(),
            phone: r.phone.clone(),
            birth_year: r.birth_year,
            id_number,
            care_tags,
            revealed: true,
        };
    }
    ResidentView {
        name: mask_name(&r.name),
        phone: masked_phone(&r.phone),
        birth_year: None,
        id_number,
        care_tags,
        revealed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid_ledger::{CareKind, Occupancy, Residence, ResidentState, Standing, Tenure};
    use crate::ids::{BuildingId, HouseholdId, ResidentId};

    fn resident(phone: &str) -> Resident {
        Resident {
            id: ResidentId(1),
            household_id: HouseholdId(1),
            name: "贺桂莲".into(),
            phone: phone.into(),
            id_number: "11010519491231002X".into(),
            birth_year: Some(1949),
            gender: None,
            relation: "户主".into(),
            residence: Residence::Registered,
            occupation: String::new(),
            state: ResidentState::Current,
        }
    }

    fn tag() -> CareTag {
        CareTag {
            id: 1,
            resident_id: ResidentId(1),
            kind: CareKind::LivingAlone,
            basis: String::new(),
            cadence_days: 30,
            helper: String::new(),
            since: None,
            until: None,
            state: Standing::Active,
        }
    }

    #[test]
    fn tiers_of_the_fields() {
        assert_eq!(resident_field("id_number"), Tier::Sensitive);
        assert_eq!(resident_field("care_tags"), Tier::Sensitive);
        assert_eq!(resident_field("phone"), Tier::Staff);
        assert_eq!(resident_field("relation"), Tier::Public);
        assert_eq!(household_field("room"), Tier::Staff);
        assert_eq!(household_field("tenure"), Tier::Public);
    }

    #[test]
    fn the_public_sees_a_surname_and_a_building() {
        let p = public_resident(&resident("13812345678"), "德馨苑3号楼");
        assert_eq!(p.surname, "贺**");
        assert_eq!(p.building, "德馨苑3号楼");
    }

    #[test]
    fn staff_see_masks_until_revealed_and_sensitive_only_with_the_grant() {
        let r = resident("13812345678");
        let v = resident_view(&r, vec![tag()], Sight::default());
        assert_eq!((v.name.as_str(), v.phone.as_str()), ("贺**", "138****5678"));
        assert_eq!((v.id_number, v.care_tags, v.birth_year), (None, None, None));
        let v = resident_view(
            &r,
            vec![tag()],
            Sight {
                staff: true,
                sensitive: false,
            },
        );
        assert_eq!(v.phone, "13812345678");
        assert!(v.id_number.is_none() && v.care_tags.is_none());
        let v = resident_view(
            &r,
            vec![tag()],
            Sight {
                staff: false,
                sensitive: true,
            },
        );
        assert_eq!(v.id_number.as_deref(), Some("11010519491231002X"));
        assert_eq!(v.care_tags.map(|t| t.len()), Some(1));
        assert_eq!(v.name, "贺**");
    }

    #[test]
    fn phones_in_every_spelling_are_masked() {
        for written in [
            "13812345678",
            "138 1234 5678",
            "１３８１２３４５６７８",
            "+86 138-1234-5678",
            "(138)1234.5678",
        ] {
            assert_eq!(masked_phone(written), "138****5678", "{written}");
        }
        assert_eq!(masked_phone("0371-66881234"), "0371-****1234");
        assert_eq!(masked_phone("call 1234567 ext"), "****");
        let h = Household {
            id: HouseholdId(1),
            building_id: BuildingId(1),
            unit_id: None,
            grid: "G".into(),
            room: "501".into(),
            head_name: "欧阳娜娜".into(),
            head_phone: "１３８ １２３４ ５６７８".into(),
            size: Some(2),
            tenure: Tenure::Owner,
            tenancy_from: None,
            tenancy_until: None,
            state: Occupancy::Occupied,
            last_visit_at: None,
        };
        let v = household_view(&h, Sight::default());
        assert_eq!((v.room.as_str(), v.head_name.as_str()), ("***", "欧阳**"));
        assert_eq!(v.head_phone, "138****5678");
    }
}
