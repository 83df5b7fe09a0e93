//! runs-blocking's `tokio-check` feature (enabled for this crate's tests): a blocking call on a
//! thread that runs a tokio runtime's tasks warns, once per call, and a call where blocking
//! starves nothing (`spawn_blocking`, a thread of no runtime) is silent.
//!
//! Each case makes its subscriber the default of the thread the call is made on, so the
//! absence of a warning is seen by the same subscriber that would have seen it.

use std::sync::{Arc, Mutex};

use runs_blocking::Client;
use runs_emulator::Emulator;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

const KEY: &str = "sk-test-runtime-check";

/// The SDK's warnings, by message.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

impl<S: Subscriber> Layer<S> for Warnings {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        if meta.target() == "runs" && *meta.level() == Level::WARN {
            struct Message(String);
            impl tracing::field::Visit for Message {
                fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                    if field.name() == "message" {
                        self.0 = format!("{value:?}");
                    }
                }
            }
            let mut message = Message(String::new());
            event.record(&mut message);
            self.0.lock().unwrap().push(message.0);
        }
    }
}

impl Warnings {
    fn dispatch(&self) -> tracing::Dispatch {
        tracing::Dispatch::new(tracing_subscriber::registry().with(self.clone()))
    }

    fn taken(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

fn client(emulator: &Emulator) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(emulator.base_url())
        .build()
        .unwrap()
}

#[test]
fn a_call_inside_a_current_thread_runtime_warns_that_it_starves_the_runtime() {
    let emulator = Emulator::builder().api_key(KEY).start().unwrap();
    let client = client(&emulator);
    let warnings = Warnings::default();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    tracing::dispatcher::with_default(&warnings.dispatch(), || {
        runtime.block_on(async {
            assert!(client.health().unwrap().is_up());
            // In a task of the runtime too, which runs on the same thread.
            let in_task = client.clone();
            tokio::spawn(async move { in_task.health().unwrap() })
                .await
                .unwrap();
        })
    });
    let taken = warnings.taken();
    assert_eq!(taken.len(), 2, "{taken:?}");
    assert!(
        taken[0].starts_with("the blocking client was called on a thread that runs async tasks")
            && taken[0].contains("spawn_blocking"),
        "{}",
        taken[0]
    );
}

#[test]
fn a_call_in_spawn_blocking_or_outside_any_runtime_is_silent() {
    let emulator = Emulator::builder().api_key(KEY).start().unwrap();
    let client = client(&emulator);
    let warnings = Warnings::default();
    let dispatch = warnings.dispatch();
    tracing::dispatcher::with_default(&dispatch, || assert!(client.health().unwrap().is_up()));

    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let (in_pool, on_pool) = (client.clone(), dispatch.clone());
    runtime.block_on(async move {
        tokio::task::spawn_blocking(move || {
            // The pool's thread has the runtime's handle, but runs no tasks.
            assert!(tokio::runtime::Handle::try_current().is_ok());
            tracing::dispatcher::with_default(&on_pool, || in_pool.health().unwrap())
        })
        .await
        .unwrap()
    });
    let _entered = runtime.enter();
    tracing::dispatcher::with_default(&dispatch, || assert!(client.health().unwrap().is_up()));
    assert_eq!(warnings.taken(), Vec::<String>::new());
}
