"""What each kind of sync covers, as `work(engine)` callables for the SyncRunner."""

ALL_TYPES = ("directory", "project", "phase", "elevation", "parts_list")


def sync_projects(engine, run, projects, *, elevations=True, parts=True):
    """Sync each live project this run has not completed yet (a resumed run skips finished ones)."""
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
        engine.store.projects(directory_record, listed)
        if project_record.logikal_id not in {p.id for p in listed}:
            engine.store.record_failure(project_record, "project",
                                        f"not listed in {directory_record.path} any more (moved or removed)")
            return
        if engine.sync_project(project_record):
            run.project_ids = [(4, project_record.id)]
    return work


def elevation(run, elevation_record):
    def work(engine):
        if not engine.sync_elevation(elevation_record):
            engine.store.record_failure(elevation_record, "elevation", "not listed in its phase any more")
    return work


def object_types(run, types, cascade=False):
    """A scheduled pass over the given object types (the scheduler decides which are due).

    With `cascade`, projects whose LogiKal change date moved are synced in full in the same run.
    """
    types = set(types)
    deep = types & {"phase", "elevation", "parts_list"}

    def work(engine):
        result = engine.walk(with_projects="project" in types) if types & {"directory", "project"} else None
        if not deep and not (cascade and result and result.changed):
            return
        projects = _projects_to_descend(engine, run, result, deep)
        sync_projects(engine, run, projects,
                      elevations=bool(types & {"elevation", "parts_list"}) or not deep,
                      parts="parts_list" in types or not deep)
    return work


def _projects_to_descend(engine, run, result, deep):
    Project = engine.env["logikal.project"]
    if deep:
        return Project.search([("backend_id", "=", engine.backend.id), ("directory_id.is_excluded", "=", False)],
                              order="last_sync_date asc nulls first, id")
    changed = [p.id for guid, p in result.projects.items() if guid in result.changed]
    return Project.browse(changed)
