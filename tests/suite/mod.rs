mod connection;
mod entry;
mod inspect;
mod invalidate;
