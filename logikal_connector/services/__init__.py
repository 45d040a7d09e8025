"""Odoo-side sync machinery: the record store (upserts), the engine (walks LogiKal) and the scheduler."""
