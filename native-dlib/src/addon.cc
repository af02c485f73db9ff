// vidpad_dlib: dlib's frontal face detector (HOG features + linear SVM, the
// model compiled into dlib) exposed to Node as a small object:
//
//   const d = new FrontalFaceDetector();
//   d.detect(pixels, width, height, upsample, adjustThreshold) -> Promise<
//     Array<{ left, top, right, bottom, score }>>
//
// `pixels` is a tightly packed Uint8Array of grey (1 byte per pixel) or RGB
// (3 bytes) pixels. Rectangles are dlib's, inclusive of right and bottom, in
// the pixels of the image passed in; the JS side converts units. Detection
// runs on libuv's thread pool so a server's event loop stays free; one
// detector serialises its calls with a mutex because dlib's object_detector
// keeps scratch state and is not safe to call from two threads at once.
#include <napi.h>

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>
#include <dlib/revision.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

// dlib rebuilds its detector from a compressed string compiled into the
// library, which takes a noticeable fraction of a second. That result never
// changes, so it is built once (C++11 static initialisation is thread-safe)
// and each JS detector gets its own copy (a copy of a few weight vectors),
// keeping detectors independent of one another.
const dlib::frontal_face_detector& PrototypeDetector() {
  static const dlib::frontal_face_detector prototype = dlib::get_frontal_face_detector();
  return prototype;
}

struct SharedDetector {
  dlib::frontal_face_detector detector = PrototypeDetector();
  std::mutex mutex;
};

struct Found {
  long left, top, right, bottom;
  double score;
};

template <typename Image>
std::vector<Found> RunDetector(SharedDetector& shared, Image& img, int upsample, double adjustThreshold) {
  for (int i = 0; i < upsample; ++i) dlib::pyramid_up(img);
  std::vector<dlib::rect_detection> dets;
  {
    std::lock_guard<std::mutex> lock(shared.mutex);
    shared.detector(img, dets, adjustThreshold);
  }
  // pyramid_up doubles the image each time; map rectangles back the way
  // dlib's own Python binding does, through pyramid_down<2>.
  dlib::pyramid_down<2> pyr;
  std::vector<Found> out;
  out.reserve(dets.size());
  for (const auto& d : dets) {
    dlib::rectangle r = d.rect;
    for (int i = 0; i < upsample; ++i) r = pyr.rect_down(r);
    out.push_back({r.left(), r.top(), r.right(), r.bottom(), d.detection_confidence});
  }
  return out;
}

class DetectWorker : public Napi::AsyncWorker {
 public:
  DetectWorker(Napi::Env env, std::shared_ptr<SharedDetector> shared, const uint8_t* pixels, int width, int height,
               int channels, int upsample, double adjustThreshold)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        shared_(std::move(shared)),
        channels_(channels),
        upsample_(upsample),
        adjustThreshold_(adjustThreshold) {
    // Copy now, on the JS thread: the caller may reuse its buffer as soon as
    // detect() returns.
    if (channels == 1) {
      grey_.set_size(height, width);
      for (int y = 0; y < height; ++y) std::memcpy(&grey_[y][0], pixels + static_cast<size_t>(y) * width, width);
    } else {
      rgb_.set_size(height, width);
      for (int y = 0; y < height; ++y) {
        const uint8_t* row = pixels + static_cast<size_t>(y) * width * 3;
        for (int x = 0; x < width; ++x) rgb_[y][x] = dlib::rgb_pixel(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
      }
    }
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      found_ = channels_ == 1 ? RunDetector(*shared_, grey_, upsample_, adjustThreshold_)
                              : RunDetector(*shared_, rgb_, upsample_, adjustThreshold_);
    } catch (const std::exception& e) {
      SetError(std::string("dlib detection failed: ") + e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array arr = Napi::Array::New(env, found_.size());
    for (size_t i = 0; i < found_.size(); ++i) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("left", Napi::Number::New(env, static_cast<double>(found_[i].left)));
      o.Set("top", Napi::Number::New(env, static_cast<double>(found_[i].top)));
      o.Set("right", Napi::Number::New(env, static_cast<double>(found_[i].right)));
      o.Set("bottom", Napi::Number::New(env, static_cast<double>(found_[i].bottom)));
      o.Set("score", Napi::Number::New(env, found_[i].score));
      arr.Set(static_cast<uint32_t>(i), o);
    }
    deferred_.Resolve(arr);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<SharedDetector> shared_;
  int channels_;
  int upsample_;
  double adjustThreshold_;
  dlib::array2d<unsigned char> grey_;
  dlib::array2d<dlib::rgb_pixel> rgb_;
  std::vector<Found> found_;
};

class FrontalFaceDetector : public Napi::ObjectWrap<FrontalFaceDetector> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "FrontalFaceDetector", {InstanceMethod("detect", &FrontalFaceDetector::Detect)});
  }

  explicit FrontalFaceDetector(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<FrontalFaceDetector>(info), shared_(std::make_shared<SharedDetector>()) {}

 private:
  Napi::Value Detect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber()) {
      throw Napi::TypeError::New(env, "detect(pixels: Uint8Array, width, height, upsample, adjustThreshold?)");
    }
    Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
    if (ta.TypedArrayType() != napi_uint8_array) throw Napi::TypeError::New(env, "pixels must be a Uint8Array");
    Napi::Uint8Array pixels = ta.As<Napi::Uint8Array>();
    const int64_t width = info[1].As<Napi::Number>().Int64Value();
    const int64_t height = info[2].As<Napi::Number>().Int64Value();
    const int64_t upsample = info[3].As<Napi::Number>().Int64Value();
    const double adjust = info.Length() > 4 && info[4].IsNumber() ? info[4].As<Napi::Number>().DoubleValue() : 0.0;
    if (width < 1 || height < 1 || width > 1 << 15 || height > 1 << 15) {
      throw Napi::RangeError::New(env, "width and height must be between 1 and 32768");
    }
    if (upsample < 0 || upsample > 4) throw Napi::RangeError::New(env, "upsample must be between 0 and 4");
    const size_t plane = static_cast<size_t>(width) * static_cast<size_t>(height);
    int channels;
    if (pixels.ByteLength() == plane) {
      channels = 1;
    } else if (pixels.ByteLength() == plane * 3) {
      channels = 3;
    } else {
      throw Napi::RangeError::New(env, "pixels has " + std::to_string(pixels.ByteLength()) + " bytes; expected width*height (grey) = " +
                                           std::to_string(plane) + " or width*height*3 (RGB) = " + std::to_string(plane * 3));
    }
    auto* worker = new DetectWorker(env, shared_, pixels.Data(), static_cast<int>(width), static_cast<int>(height), channels,
                                    static_cast<int>(upsample), adjust);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  std::shared_ptr<SharedDetector> shared_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("FrontalFaceDetector", FrontalFaceDetector::Define(env));
  exports.Set("dlibVersion", Napi::String::New(env, std::to_string(DLIB_MAJOR_VERSION) + "." + std::to_string(DLIB_MINOR_VERSION) +
                                                        "." + std::to_string(DLIB_PATCH_VERSION)));
  return exports;
}

}  // namespace

NODE_API_MODULE(vidpad_dlib, Init)
