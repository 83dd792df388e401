//! `data "tencentchat_robot"`: one active chatbot of the app, by UserID, with its
//! profile. Reads the shared snapshot, so beside resources and other data sources
//! of the same app it costs no extra call.

use super::api::Inner;
use super::profile::{profile_model, profile_table};
use super::snapshot::Entry;
use super::validate::check_user_id;
use super::words::{q, unreadable_detail};
use crate::chat::wire::ROBOT_PREFIX;
use crate::tfproto::{Diagnostics, Field, TypedDataSource, TypedType};
use std::sync::Arc;

pub(crate) const TYPE_NAME: &str = "tencentchat_robot";

profile_table!(profile_model {
    /// The data source's configuration and state.
    pub(crate) struct RobotDataModel in robot_data_attr as computed {
        id: String => computed(format!(
            "The chatbot's UserID (same as `{}`).",
            robot_data_attr::user_id
        )),
        user_id: String => required(format!(
            "The UserID of an active chatbot of the app (it starts with `{ROBOT_PREFIX}`)."
        ))
        .validate(check_user_id),
    }
});

pub(crate) struct RobotData {
    inner: Arc<Inner>,
}

impl RobotData {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        RobotData { inner }
    }
}

impl TypedType for RobotData {
    type Model = RobotDataModel;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn description() -> String {
        "One active chatbot of the app, looked up by its UserID, with its profile. \
         Reading a chatbot that does not exist is an error."
            .to_string()
    }
}

#[async_trait::async_trait]
impl TypedDataSource for RobotData {
    async fn read(&self, config: RobotDataModel, d: &mut Diagnostics) -> Option<RobotDataModel> {
        let user_id_attr = robot_data_attr::user_id;
        let Some(id) = config.user_id.as_str() else {
            d.attr_error(
                user_id_attr,
                "UserID not known yet",
                format!("The chatbot can only be read once `{user_id_attr}` is known."),
            );
            return None;
        };
        let subject = format!("chatbot {}", q(id));
        let (api, view) = self
            .inner
            .read_view(
                &format!("read {subject}"),
                &format!("Could not read {subject}"),
                &subject,
                d,
            )
            .await?;
        match view.get(id) {
            Some(Entry::Profile(p)) => {
                let mut m = RobotDataModel {
                    id: Field::Known(id.to_string()),
                    user_id: Field::Known(id.to_string()),
                    ..RobotDataModel::default()
                };
                m.set_profile(p, false);
                Some(m)
            }
            Some(Entry::Unreadable { code, info }) => {
                d.attr_error(
                    user_id_attr,
                    format!("Could not read {subject}"),
                    unreadable_detail(*code, info),
                );
                None
            }
            None => {
                d.attr_error(
                    user_id_attr,
                    format!("No chatbot {}", q(id)),
                    format!(
                        "App {} has no active chatbot with UserID {}. Check the UserID (and the \
                         provider's sdkappid); data \"tencentchat_robots\" lists the chatbots \
                         the app has.",
                        api.sdkappid,
                        q(id)
                    ),
                );
                None
            }
        }
    }
}
