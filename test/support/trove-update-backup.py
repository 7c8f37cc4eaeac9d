# Feeds update_backup casts (as the lab guest agent builds them) through the
# REAL Trove 18 conductor (trove/conductor/manager.py Manager.update_backup)
# and reads back what it wrote onto the backup row; and asks Trove's own
# DBBackup which container/object a location names (delete and restore use it).
# The database row is an in-memory stand-in with DBBackup's columns: only the
# manager's logic runs, no database.
# stdin: {"instance_id", "backup_id", "updates": [<kwargs>...], "location"}
# stdout: {"rows": [<row after each update>], "filename", "container_name"}
import json
import sys

from trove.backup import models as bm
from trove.conductor import manager as cm

req = json.load(sys.stdin)


class Row(object):
    def __init__(self):
        for f in bm.DBBackup._data_fields:
            setattr(self, f, None)
        self.id = req['backup_id']
        self.instance_id = req['instance_id']

    def save(self):
        pass


row = Row()
bm.DBBackup.find_by = classmethod(lambda cls, **kw: row)
mgr = cm.Manager()
# conductor_lastseen lives in the database; the guest's sent values only grow.
mgr._message_too_old = lambda *a: False
rows = []
for kwargs in req['updates']:
    mgr.update_backup(None, req['instance_id'], kwargs.pop('backup_id'), **kwargs)
    rows.append({f: getattr(row, f) for f in bm.DBBackup._data_fields})

named = bm.DBBackup()
named.location = req['location']
json.dump({'rows': rows, 'filename': named.filename, 'container_name': named.container_name}, sys.stdout, default=str)
