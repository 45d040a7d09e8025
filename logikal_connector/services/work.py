"""What each Force Sync scope covers, as `work(engine)` callables for the SyncRunner.

Passes over object types (scheduled, or 'Sync now' of some types) are in `passes.py`.
"""

ALL_TYPES = ("directory", "project", "phase", "elevation", "parts_list")


def sync_projects(engine, run, projects, *, elevations=True, parts=True):
    """Sync each live project this run has not completed yet (a resumed run skips finished ones)."""
    engine.progress.expect(len(projects.filtered(lambda p: p.active and not p.directory_id.is_excluded)))
    for project in projects - run.project_ids:
        if project.directory_id.is_excluded or not project.active:
            continue
        if engine.sync_project(project, elevations=elevations, parts=parts):
            run.project_ids = [(4, project.id)]


def everything(run):
    def work(engine):
        result = engine.walk()
        projects = engine.env["logikal.project"].browse([p.id for p in result.projects.values()])
        sync_projects(engine, run, projects)

    return work


def directory(run, directory_record):
    def work(engine):
        result = engine.walk(directory_record)
        projects = engine.env["logikal.project"].browse([p.id for p in result.projects.values()])
        sync_projects(engine, run, projects)

    return work


def project(run, project_record):
    def work(engine):
        directory_record = project_record.directory_id
        listed = engine.session.list_projects(directory_record.path)
        engine.store.upsert_projects(directory_record, listed)
        if project_record.logikal_id not in {p.id for p in listed}:
            engine.store.record_failure(
                project_record, "project", f"not listed in {directory_record.path} any more (moved or removed)"
            )
            return
        if engine.sync_project(project_record):
            run.project_ids = [(4, project_record.id)]

    return work


def elevation(run, elevation_record):
    def work(engine):
        if engine.sync_elevation(elevation_record) is None:
            engine.store.record_failure(elevation_record, "elevation", "not listed in its phase any more")

    return work
