-- A device's row is pulled by every kiosk when it changes (its key, its revocation). last_seen_at
-- changes about once a minute per kiosk and means nothing to the other kiosks: it must not make
-- them pull the key again.
DROP TRIGGER devices_touch ON devices;
CREATE TRIGGER devices_touch BEFORE INSERT OR UPDATE OF site_id, public_key, revoked_at ON devices
    FOR EACH ROW EXECUTE FUNCTION borne_touch();
